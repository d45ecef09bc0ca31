/** Sandbox settings: explicit options first, then environment variables, then local defaults. */
import {
  SANDBOX_ACCESS_KEY_ID,
  SANDBOX_ACCESS_KEY_SECRET,
  SANDBOX_DEFAULT_PORT,
} from '#shared/localDefaults';
import type { AlibabaCredentials } from '#shared/signing/index';

export interface SandboxOptions {
  /** 0 picks a free port. Default: SANDBOX_PORT, else 8090. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Accepted key pairs; one with `securityToken` is an STS key and needs that exact token.
   * Default: ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET, else the public sandbox pair.
   */
  keys?: readonly AlibabaCredentials[];
  /** Per-number flow control (spec §3). Default on; SANDBOX_FLOW_CONTROL=off turns it off. */
  flowControl?: boolean;
  /** The sandbox clock (epoch ms) for timestamps, nonces, flow control and calls. */
  now?: () => number;
}

export interface ResolvedSandboxOptions {
  port: number;
  host: string;
  keys: readonly AlibabaCredentials[];
  flowControl: boolean;
  now: () => number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Throws an Error naming the variable when an environment value is unusable. */
export function resolveSandboxOptions(options: SandboxOptions = {}, env: Env = process.env): ResolvedSandboxOptions {
  const keys = options.keys ?? [defaultKey(env)];
  if (keys.length === 0) throw new Error('startSandbox: keys must hold at least one key pair');
  return {
    port: options.port ?? portFromEnv(env),
    host: options.host ?? '127.0.0.1',
    keys,
    flowControl: options.flowControl ?? flowControlFromEnv(env),
    now: options.now ?? Date.now,
  };
}

function defaultKey(env: Env): AlibabaCredentials {
  const accessKeyId = env.ALIYUN_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIYUN_ACCESS_KEY_SECRET;
  if (accessKeyId && accessKeySecret) return { accessKeyId, accessKeySecret };
  if (accessKeyId || accessKeySecret) {
    throw new Error('ALIYUN_ACCESS_KEY_ID and ALIYUN_ACCESS_KEY_SECRET must be set together');
  }
  return { accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET };
}

function portFromEnv(env: Env): number {
  const raw = env.SANDBOX_PORT;
  if (raw === undefined || raw === '') return SANDBOX_DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`SANDBOX_PORT must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}

function flowControlFromEnv(env: Env): boolean {
  const raw = env.SANDBOX_FLOW_CONTROL?.toLowerCase();
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`SANDBOX_FLOW_CONTROL must be "on" or "off", got "${env.SANDBOX_FLOW_CONTROL}"`);
}

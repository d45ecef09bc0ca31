/** Sandbox settings: explicit options first, then environment variables, then local defaults. */
import { DEFAULT_FLOW_CONTROL_LIMITS, parseFlowControlLimits } from '#shared/flowControlLimits';
import {
  SANDBOX_ACCESS_KEY_ID,
  SANDBOX_ACCESS_KEY_SECRET,
  SANDBOX_DEFAULT_PORT,
} from '#shared/localDefaults';
import type { AlibabaCredentials } from '#shared/signing/index';

export interface SandboxOptions {
  /** Port of RPC (dyvmsapi, dybaseapi) and the control API; 0 picks a free port. Default: SANDBOX_PORT, else 8090. */
  port?: number;
  /**
   * Port of MNS (the receipt queues), an origin of its own as at Alibaba; 0 picks a free port.
   * Default: the RPC port + 1 (8091 beside the default 8090), a free port when the RPC port is 0;
   * SANDBOX_MNS_PORT instead when the RPC port too comes from the environment (no `port` option).
   */
  mnsPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Accepted key pairs; one with `securityToken` is an STS key and needs that exact token.
   * Default: ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET, else the public sandbox pair.
   */
  keys?: readonly AlibabaCredentials[];
  /** Per-number flow control (docs/alibaba/actions.md). Default on; SANDBOX_FLOW_CONTROL=off turns it off. */
  flowControl?: boolean;
  /**
   * Its windows, in the syntax of FLOW_CONTROL_LIMITS (`1/60,5/3600,20/86400`, Alibaba's, by default;
   * SANDBOX_FLOW_CONTROL_LIMITS): tests use windows of seconds.
   */
  flowControlLimits?: string;
  /** The sandbox clock (epoch ms) for timestamps, nonces, flow control, calls, tokens and queues. */
  now?: () => number;
  /**
   * Alibaba account id in the receipt queue names `Alicom-Queue-<accountId>-<MessageType>` (docs/alibaba/receipts.md#flow).
   * Default: SANDBOX_ACCOUNT_ID, else `0000000000` (the bundle's default RECEIPT_QUEUES).
   */
  accountId?: string;
  /** Lifetime of QueryTokenForMnsQueue credentials. Default: SANDBOX_TOKEN_LIFETIME_MS, else 10 minutes. */
  tokenLifetimeMs?: number;
  /** How long a received message stays invisible (docs/alibaba/mns.md#batchreceivemessage). Default: SANDBOX_VISIBILITY_TIMEOUT_MS, else 30 s. */
  visibilityTimeoutMs?: number;
  /** Pause before each receipt a placed call sends; 0 = all at once. Default: SANDBOX_RECEIPT_DELAY_MS, else 1 s. */
  receiptDelayMs?: number;
}

export interface ResolvedSandboxOptions {
  port: number;
  mnsPort: number;
  host: string;
  keys: readonly AlibabaCredentials[];
  flowControl: boolean;
  flowControlLimits: string;
  now: () => number;
  accountId: string;
  tokenLifetimeMs: number;
  visibilityTimeoutMs: number;
  receiptDelayMs: number;
}

/** The receipt settings, changeable at run time through the control API. */
export type ReceiptSettings = Pick<ResolvedSandboxOptions, 'tokenLifetimeMs' | 'visibilityTimeoutMs' | 'receiptDelayMs'>;

export const DEFAULT_ACCOUNT_ID = '0000000000';
/** docs/alibaba/README.md#what-is-not-verified: Alibaba does not document the token lifetime; 10 minutes keeps refresh paths exercised. */
export const DEFAULT_TOKEN_LIFETIME_MS = 10 * 60_000;
/** MNS queues default to a 30 s VisibilityTimeout (docs/alibaba/mns.md#batchreceivemessage). */
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
export const DEFAULT_RECEIPT_DELAY_MS = 1_000;

/** The accepted range of each receipt setting (MNS allows a VisibilityTimeout of 1-43200 s, docs/alibaba/mns.md#changemessagevisibility). */
export const RECEIPT_SETTING_RANGES: Readonly<Record<keyof ReceiptSettings, { min: number; max: number }>> = {
  tokenLifetimeMs: { min: 0, max: 24 * 60 * 60_000 },
  visibilityTimeoutMs: { min: 1, max: 43_200_000 },
  receiptDelayMs: { min: 0, max: 60 * 60_000 },
};

const RECEIPT_SETTING_ENV: Readonly<Record<keyof ReceiptSettings, string>> = {
  tokenLifetimeMs: 'SANDBOX_TOKEN_LIFETIME_MS',
  visibilityTimeoutMs: 'SANDBOX_VISIBILITY_TIMEOUT_MS',
  receiptDelayMs: 'SANDBOX_RECEIPT_DELAY_MS',
};

const RECEIPT_SETTING_DEFAULTS: Readonly<ReceiptSettings> = {
  tokenLifetimeMs: DEFAULT_TOKEN_LIFETIME_MS,
  visibilityTimeoutMs: DEFAULT_VISIBILITY_TIMEOUT_MS,
  receiptDelayMs: DEFAULT_RECEIPT_DELAY_MS,
};

type Env = Readonly<Record<string, string | undefined>>;

/** Throws an Error naming the variable when an environment value is unusable. */
export function resolveSandboxOptions(options: SandboxOptions = {}, env: Env = process.env): ResolvedSandboxOptions {
  const keys = options.keys ?? [defaultKey(env)];
  if (keys.length === 0) throw new Error('startSandbox: keys must hold at least one key pair');
  const port = options.port ?? portFromEnv(env, 'SANDBOX_PORT') ?? SANDBOX_DEFAULT_PORT;
  return {
    port,
    mnsPort: mnsPortOf(port, options, env),
    host: options.host ?? '127.0.0.1',
    keys,
    flowControl: options.flowControl ?? flowControlFromEnv(env),
    flowControlLimits: flowControlLimitsOf(options, env),
    now: options.now ?? Date.now,
    accountId: accountIdOf(options, env),
    tokenLifetimeMs: receiptSetting('tokenLifetimeMs', options, env),
    visibilityTimeoutMs: receiptSetting('visibilityTimeoutMs', options, env),
    receiptDelayMs: receiptSetting('receiptDelayMs', options, env),
  };
}

/**
 * Throws an Error naming `label` unless `value` is an integer within the setting's range; used for
 * options, environment variables and control API bodies alike.
 */
export function checkReceiptSetting(name: keyof ReceiptSettings, value: unknown, label: string = name): number {
  const { min, max } = RECEIPT_SETTING_RANGES[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${label} must be an integer from ${min} to ${max} (milliseconds), got ${JSON.stringify(value)}`);
  }
  return value;
}

function receiptSetting(name: keyof ReceiptSettings, options: SandboxOptions, env: Env): number {
  if (options[name] !== undefined) return checkReceiptSetting(name, options[name]);
  const variable = RECEIPT_SETTING_ENV[name];
  const raw = env[variable];
  if (raw === undefined || raw === '') return RECEIPT_SETTING_DEFAULTS[name];
  return checkReceiptSetting(name, /^\d+$/.test(raw) ? Number(raw) : raw, variable);
}

/** Alibaba account ids are digits (docs/alibaba/receipts.md#flow `Alicom-Queue-1234567890-VoiceReport`). */
function accountIdOf(options: SandboxOptions, env: Env): string {
  const [value, label] =
    options.accountId !== undefined ? [options.accountId, 'accountId'] : [env.SANDBOX_ACCOUNT_ID || DEFAULT_ACCOUNT_ID, 'SANDBOX_ACCOUNT_ID'];
  if (!/^\d{1,32}$/.test(value)) throw new Error(`${label} must be digits, got "${value}"`);
  return value;
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

/** The variable's port, or undefined when it is unset or empty. */
function portFromEnv(env: Env, variable: 'SANDBOX_PORT' | 'SANDBOX_MNS_PORT'): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new Error(`${variable} must be a port number (0-${MAX_PORT}), got "${raw}"`);
  }
  return port;
}

const MAX_PORT = 65_535;

/**
 * MNS listens apart from RPC, as at Alibaba (endpoints.ts says why that matters). The default
 * follows where the RPC port came from: beside an explicit `port` option (tests, `port: 0`) the
 * environment is not read, so SANDBOX_MNS_PORT never pins an in-process sandbox.
 */
function mnsPortOf(port: number, options: SandboxOptions, env: Env): number {
  const fromEnv = options.port === undefined && options.mnsPort === undefined;
  const label = fromEnv ? 'SANDBOX_MNS_PORT' : 'mnsPort';
  const chosen = fromEnv ? portFromEnv(env, 'SANDBOX_MNS_PORT') : options.mnsPort;
  if (chosen === undefined) {
    if (port === 0) return 0;
    if (port === MAX_PORT) throw new Error(`${label} must be set when the RPC port is ${MAX_PORT} (the MNS port defaults to the RPC port + 1)`);
    return port + 1;
  }
  if (chosen !== 0 && chosen === port) throw new Error(`${label} must differ from the RPC port ${port}: MNS has an origin of its own`);
  return chosen;
}

function flowControlLimitsOf(options: SandboxOptions, env: Env): string {
  const label = options.flowControlLimits !== undefined ? 'flowControlLimits' : 'SANDBOX_FLOW_CONTROL_LIMITS';
  const value = options.flowControlLimits ?? env.SANDBOX_FLOW_CONTROL_LIMITS?.trim() ?? DEFAULT_FLOW_CONTROL_LIMITS;
  const windows = (() => {
    try {
      return parseFlowControlLimits(value || DEFAULT_FLOW_CONTROL_LIMITS);
    } catch (error) {
      throw new Error(`${label}: ${(error as Error).message}`);
    }
  })();
  if (!windows) throw new Error(`${label} must name windows; switch flow control off with SANDBOX_FLOW_CONTROL=off`);
  return value || DEFAULT_FLOW_CONTROL_LIMITS;
}

function flowControlFromEnv(env: Env): boolean {
  const raw = env.SANDBOX_FLOW_CONTROL?.toLowerCase();
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`SANDBOX_FLOW_CONTROL must be "on" or "off", got "${env.SANDBOX_FLOW_CONTROL}"`);
}

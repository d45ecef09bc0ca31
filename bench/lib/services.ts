/**
 * The local stand-ins the placing and drain rows run against: the project's Alibaba sandbox (its
 * own process, so it never shares a core's event loop with the measured client) and DynamoDB Local.
 */
import { spawn } from 'node:child_process';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../scripts/local/dynamodb.ts';
import { freePort } from '../../scripts/local/ports.ts';
import { createTables, tablesFromServerlessYml } from '../../scripts/local/tables.ts';
import { endpointVariables, type SandboxOrigins } from '../../sandbox/endpoints.ts';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import { ROOT } from './build.ts';
import { onCleanUp, stopChild, track, waitForOutput } from './processes.ts';

export const BENCH_STAGE = 'bench';

/** Environment with nothing of the caller's but what Node needs to run. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[name] !== undefined) env[name] = process.env[name];
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

export interface HandlerEnvInput {
  callsTable: string;
  idempotencyTable: string;
  dynamodbEndpoint?: string;
  /** The sandbox's origins: dyvmsapi and dybaseapi on `url`, MNS on `mnsUrl`. */
  alibaba?: SandboxOrigins;
  logLevel?: string;
}

/**
 * What the handlers read at cold start (shared/config.ts), all local: credentials from the
 * environment (the sandbox pair), no SSM or Secrets Manager read, so loading a bundle does no I/O.
 */
export function handlerEnv(input: HandlerEnvInput): NodeJS.ProcessEnv {
  return baseEnv({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    CALLS_TABLE: input.callsTable,
    IDEMPOTENCY_TABLE: input.idempotencyTable,
    DYNAMODB_ENDPOINT: input.dynamodbEndpoint,
    ALIYUN_CREDENTIALS_PARAM: 'env',
    ALIYUN_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY_ID,
    ALIYUN_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY_SECRET,
    ...(input.alibaba && endpointVariables(input.alibaba)),
    RECEIPT_PUSH_TOKEN_PARAM: 'env',
    RECEIPT_PUSH_TOKEN: 'bench-push-token',
    EVENT_BUS_NAME: 'default',
    // What the template gives the call-request functions (scripts/start.ts sets the same locally).
    CALL_REQUEST_SCHEDULE_GROUP: 'aliyun-voice-bench',
    CALL_REQUEST_ATTEMPT_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:aliyun-voice-bench-attemptCallRequest',
    CALL_REQUEST_SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/aliyun-voice-bench-us-east-1-scheduler',
    LOG_LEVEL: input.logLevel,
    // The AWS SDK warns once on stderr about Node 20; it is noise here, not a measured cost.
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    // Nor its warning that later versions will need Node 22 (Lambda runs nodejs22.x): emitting a
    // process warning on the first request would count against whichever side emits it.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

export interface SandboxProcess extends SandboxOrigins {
  /** Calls the control API (sandbox/README.md "Control API"); resolves with the JSON answer. */
  control<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export interface SandboxSettings {
  /** SANDBOX_RECEIPT_DELAY_MS: pause before each receipt of a placed call. */
  receiptDelayMs?: number;
  visibilityTimeoutMs?: number;
}

/**
 * `npm run sandbox` in its own process on a free port, flow control off (SANDBOX_FLOW_CONTROL=off:
 * thousands of calls to a handful of numbers would otherwise be refused after the first).
 */
export async function startSandboxProcess(settings: SandboxSettings = {}): Promise<SandboxProcess> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      cwd: ROOT,
      env: baseEnv({
        SANDBOX_PORT: '0',
        SANDBOX_MNS_PORT: '0',
        SANDBOX_FLOW_CONTROL: 'off',
        SANDBOX_RECEIPT_DELAY_MS: settings.receiptDelayMs !== undefined ? String(settings.receiptDelayMs) : undefined,
        SANDBOX_VISIBILITY_TIMEOUT_MS: settings.visibilityTimeoutMs !== undefined ? String(settings.visibilityTimeoutMs) : undefined,
        ALIYUN_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY_ID,
        ALIYUN_ACCESS_KEY_SECRET: SANDBOX_ACCESS_KEY_SECRET,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const stop = () => stopChild(child);
  onCleanUp(stop);
  const match = await waitForOutput(child, /listening on (http:\/\/\S+) \(RPC, control API\) and (http:\/\/\S+) \(MNS\)/, 60_000);
  // Keep reading so a chatty sandbox never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  const [, url, mnsUrl] = match as [string, string, string];
  return {
    url,
    mnsUrl,
    async control(method, path, body) {
      const response = await fetch(`${url}/__sandbox/${path}`, {
        method,
        ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`sandbox control ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
      return text === '' ? undefined : JSON.parse(text);
    },
    stop,
  };
}

export interface QueueView {
  name: string;
  messageType: string;
  visible: number;
  inFlight: number;
  delayed: number;
  receivedTotal: number;
  deletedTotal: number;
}

export async function sandboxQueues(sandbox: SandboxProcess): Promise<QueueView[]> {
  return (await sandbox.control<{ queues: QueueView[] }>('GET', 'queues')).queues;
}

export interface LocalDynamo {
  endpoint: string;
  callsTable: string;
  idempotencyTable: string;
  /** A new, empty table shaped like the calls table (fresh per contender); dropped at clean-up. */
  freshCallsTable(label: string): Promise<string>;
  raw: RunningDynamoDb;
}

/** DynamoDB Local (Java) with the tables of serverless.yml, stopped at clean-up. */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const dynamo = await startDynamoDbLocal(await freePort());
  onCleanUp(() => dynamo.stop());
  const definitions = tablesFromServerlessYml(BENCH_STAGE, ROOT);
  const names = await createTables(dynamo.client, definitions);
  const callsTable = names.find((name) => name.endsWith('-calls'));
  const idempotencyTable = names.find((name) => name.endsWith('-idempotency'));
  if (!callsTable || !idempotencyTable) throw new Error(`serverless.yml declares no calls / idempotency table (got ${names.join(', ')})`);
  const callsDefinition = definitions.find((definition) => definition.create.TableName === callsTable)!;
  let sequence = 0;
  return {
    endpoint: dynamo.endpoint,
    callsTable,
    idempotencyTable,
    raw: dynamo,
    async freshCallsTable(label) {
      sequence += 1;
      const name = `${callsTable}-${label}-${sequence}`;
      // No stream: the bench measures writes, and nothing reads a stream here.
      await createTables(dynamo.client, [{ ...callsDefinition, create: { ...callsDefinition.create, TableName: name, StreamSpecification: undefined } }]);
      return name;
    },
  };
}

/** Drops a table (frees DynamoDB Local's memory between contenders); errors are ignored. */
export async function dropTable(dynamo: LocalDynamo, table: string): Promise<void> {
  await dynamo.raw.client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
}

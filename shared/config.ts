import { optionalVariable, originVariable, queueUrlVariable, requiredVariable, wholeNumberVariable, type Env } from './envVariables.ts';
import { ConfigError } from './errors.ts';
import { DEFAULT_FLOW_CONTROL_LIMITS, parseFlowControlLimits, type FlowWindow } from './flowControlLimits.ts';

/**
 * The bundle's configuration, read from the environment once per cold start (README.md,
 * "Configuration"). Every bad value fails loudly at start, naming the variable.
 */
export interface Config {
  voiceEndpoint: string;
  dybaseEndpoint: string;
  mnsEndpoint: string;
  signatureVersion: 'v1' | 'v3';
  /** Where credentials come from: the environment, or an SSM / Secrets Manager reference. */
  credentialsSource: SecretSource;
  /** `MessageType` -> MNS queue name. */
  receiptQueues: ReadonlyMap<string, string>;
  /** False when RECEIPT_QUEUES was unset and the sandbox's queue names stand in. */
  receiptQueuesConfigured: boolean;
  callsTable: string;
  dynamodbEndpoint: string | undefined;
  receiptTtlDays: number;
  /** Powertools Idempotency's table (IDEMPOTENCY_TABLE); required only by the call-placing functions. */
  idempotencyTable: string | undefined;
  /** How long a placed call's response is replayed for its Idempotency-Key / message id. */
  idempotencyTtlSeconds: number;
  /** The EventBridge bus receipt and status events are published on (EVENT_BUS_NAME). */
  eventBusName: string;
  /** EventBridge endpoint override (local only): EVENTBRIDGE_ENDPOINT. */
  eventBridgeEndpoint: string | undefined;
  /** Where the HTTP push route's shared secret comes from (RECEIPT_PUSH_TOKEN_PARAM). */
  receiptPushTokenSource: SecretSource;
  /** Per-number flow-control windows (FLOW_CONTROL_LIMITS), shortest first; undefined when `off`. */
  flowControlWindows: FlowWindow[] | undefined;
  /** The call-requests SQS queue (CALL_REQUESTS_QUEUE_URL), where requests wait for their window; set for the message functions. */
  callRequestsQueueUrl: string | undefined;
  /** SQS endpoint override (local only): SQS_ENDPOINT. */
  sqsEndpoint: string | undefined;
  /** Where call-request attempts are scheduled (docs/call-requests.md#the-engine); undefined where no function needs it. */
  callRequestSchedules: CallRequestSchedules | undefined;
  /** EventBridge Scheduler endpoint override (local only): SCHEDULER_ENDPOINT. */
  schedulerEndpoint: string | undefined;
}

/** The call-request engine's resources, from the template (CALL_REQUEST_*). */
export interface CallRequestSchedules {
  groupName: string;
  attemptFunctionArn: string;
  schedulerRoleArn: string;
  deadLetterArn: string | undefined;
}

/** A secret held in SSM Parameter Store (SecureString) or Secrets Manager, read at run time. */
export type RemoteSecretSource = { kind: 'ssm'; name: string } | { kind: 'secretsmanager'; secretId: string };

/** Where a secret comes from: the environment (local runs and tests), or a remote store. */
export type SecretSource = { kind: 'env' } | RemoteSecretSource;

/** docs/alibaba/rpc.md#endpoints: fixed hosts of dyvmsapi, dybaseapi and Alibaba's Alicom MNS account. */
export const DEFAULT_VOICE_ENDPOINT = 'https://dyvmsapi.aliyuncs.com';
export const DEFAULT_DYBASE_ENDPOINT = 'https://dybaseapi.aliyuncs.com';
export const DEFAULT_MNS_ENDPOINT = 'https://1943695596114318.mns.cn-hangzhou.aliyuncs.com';
/** docs/alibaba/receipts.md#message-types: the three Voice Service receipt types; queue names follow the console's pattern (docs/alibaba/receipts.md#flow). */
export const VOICE_MESSAGE_TYPES = ['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'] as const;
const DEFAULT_RECEIPT_TTL_DAYS = 30;
const MAX_RECEIPT_TTL_DAYS = 3650;
/** A retry a day later still finds its first response; Powertools' own default is one hour. */
const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const MAX_IDEMPOTENCY_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The receipt poller's extra check: Alibaba's own MNS account only has the queues the console
 * names, so polling it with the sandbox's stand-in names must fail at start, naming the variable.
 */
export function assertReceiptQueuesConfigured(config: Config): void {
  if (!config.receiptQueuesConfigured && config.mnsEndpoint === DEFAULT_MNS_ENDPOINT) {
    throw new ConfigError(
      'RECEIPT_QUEUES',
      'is required with Alibaba\'s MNS endpoint: set MessageType=QueueName pairs as the Voice Service console shows them',
    );
  }
}

/** Parses a configuration from an environment. Pure: tests pass their own `env`. */
export function parseConfig(env: Env): Config {
  const deployed = isDeployed(env);
  if (deployed) assertNoLocalOverrides(env);
  return {
    voiceEndpoint: alibabaEndpoint(env, 'ALIYUN_VOICE_ENDPOINT', DEFAULT_VOICE_ENDPOINT, deployed),
    dybaseEndpoint: alibabaEndpoint(env, 'ALIYUN_DYBASE_ENDPOINT', DEFAULT_DYBASE_ENDPOINT, deployed),
    mnsEndpoint: alibabaEndpoint(env, 'ALIYUN_MNS_ENDPOINT', DEFAULT_MNS_ENDPOINT, deployed),
    signatureVersion: signatureVersion(env),
    credentialsSource: credentialsSource(env, deployed),
    receiptQueues: receiptQueues(env),
    receiptQueuesConfigured: optionalVariable(env, 'RECEIPT_QUEUES') !== undefined,
    callsTable: requiredVariable(env, 'CALLS_TABLE'),
    dynamodbEndpoint: optionalVariable(env, 'DYNAMODB_ENDPOINT') && originVariable(env, 'DYNAMODB_ENDPOINT', ''),
    receiptTtlDays: wholeNumberVariable(env, 'RECEIPT_TTL_DAYS', DEFAULT_RECEIPT_TTL_DAYS, 1, MAX_RECEIPT_TTL_DAYS),
    idempotencyTable: optionalVariable(env, 'IDEMPOTENCY_TABLE'),
    idempotencyTtlSeconds: wholeNumberVariable(env, 'IDEMPOTENCY_TTL_SECONDS', DEFAULT_IDEMPOTENCY_TTL_SECONDS, 60, MAX_IDEMPOTENCY_TTL_SECONDS),
    eventBusName: eventBusName(env),
    eventBridgeEndpoint: optionalVariable(env, 'EVENTBRIDGE_ENDPOINT') && originVariable(env, 'EVENTBRIDGE_ENDPOINT', ''),
    receiptPushTokenSource: receiptPushTokenSource(env, deployed),
    flowControlWindows: flowControlWindows(env),
    callRequestsQueueUrl: queueUrlVariable(env, 'CALL_REQUESTS_QUEUE_URL'),
    sqsEndpoint: optionalVariable(env, 'SQS_ENDPOINT') && originVariable(env, 'SQS_ENDPOINT', ''),
    callRequestSchedules: callRequestSchedules(env),
    schedulerEndpoint: optionalVariable(env, 'SCHEDULER_ENDPOINT') && originVariable(env, 'SCHEDULER_ENDPOINT', ''),
  };
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use (cold start) and kept. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Variables that only make sense against local emulators (serverless.yml fills them from the shell). */
const LOCAL_ONLY_VARIABLES = ['DYNAMODB_ENDPOINT', 'EVENTBRIDGE_ENDPOINT', 'SQS_ENDPOINT', 'SCHEDULER_ENDPOINT'] as const;

/**
 * Whether this is a deployed function: in Lambda, and not under serverless-offline (which sets
 * IS_OFFLINE). Settings that only make sense locally (docs/security.md#local-only-settings) are
 * refused there at the cold start, naming the variable: serverless.yml takes some of them from the
 * deploying shell, so a deploy from a shell set up for npm start would carry them.
 */
function isDeployed(env: Env): boolean {
  return optionalVariable(env, 'AWS_LAMBDA_FUNCTION_NAME') !== undefined && env.IS_OFFLINE !== 'true';
}

/**
 * npm start points the functions at DynamoDB Local and the local bus; deployed, a function would
 * write to an endpoint that does not exist there.
 */
function assertNoLocalOverrides(env: Env): void {
  for (const name of LOCAL_ONLY_VARIABLES) {
    if (optionalVariable(env, name) !== undefined) {
      throw new ConfigError(name, 'is for local runs only; unset it in the shell that runs `serverless deploy` and deploy again');
    }
  }
}

/** An Alibaba endpoint: deployed, HTTPS only (http:// serves the local sandbox, and would send signed requests in clear). */
function alibabaEndpoint(env: Env, name: string, fallback: string, deployed: boolean): string {
  const origin = originVariable(env, name, fallback);
  if (deployed && !origin.startsWith('https:')) {
    throw new ConfigError(name, `must be an https URL in a deployed function (http is for the local sandbox), got "${origin}"`);
  }
  return origin;
}

function signatureVersion(env: Env): 'v1' | 'v3' {
  const value = (optionalVariable(env, 'ALIYUN_SIGNATURE_VERSION') ?? 'v1').toLowerCase();
  if (value !== 'v1' && value !== 'v3') {
    throw new ConfigError('ALIYUN_SIGNATURE_VERSION', `must be "v1" or "v3", got "${value}"`);
  }
  return value;
}

/**
 * `env` (or unset): ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET from the environment, the sandbox
 * pair when those are unset; local runs only. `ssm:<parameter name>` or `secretsmanager:<secret id
 * or ARN>`: a JSON value `{"accessKeyId","accessKeySecret"}` read at run time, never placed in the
 * template.
 */
function credentialsSource(env: Env, deployed: boolean): SecretSource {
  const source = secretSource(env, 'ALIYUN_CREDENTIALS_PARAM');
  if (deployed && source.kind === 'env') {
    throw new ConfigError(
      'ALIYUN_CREDENTIALS_PARAM',
      'must be "ssm:<parameter name>" or "secretsmanager:<secret id>" in a deployed function; "env" is for local runs (without ALIYUN_ACCESS_KEY_* it is the sandbox key pair)',
    );
  }
  return source;
}

/**
 * Where pushReceipts reads its token. Only pushReceipts is given RECEIPT_PUSH_TOKEN_PARAM (the other
 * functions leave it unset, read as `env` and never used); deployed, `env` given explicitly would
 * put the token in the function's configuration, and is refused.
 */
function receiptPushTokenSource(env: Env, deployed: boolean): SecretSource {
  if (deployed && optionalVariable(env, 'RECEIPT_PUSH_TOKEN_PARAM') === 'env') {
    throw new ConfigError('RECEIPT_PUSH_TOKEN_PARAM', 'must be "ssm:<parameter name>" or "secretsmanager:<secret id>" in a deployed function; "env" is for local runs');
  }
  return secretSource(env, 'RECEIPT_PUSH_TOKEN_PARAM');
}

/**
 * `env` (or unset), `ssm:<parameter name>` or `secretsmanager:<secret id or ARN>`. The same grammar
 * serves the Alibaba key pair (ALIYUN_CREDENTIALS_PARAM) and the push route's token
 * (RECEIPT_PUSH_TOKEN_PARAM, whose `env` form reads RECEIPT_PUSH_TOKEN).
 */
function secretSource(env: Env, name: string): SecretSource {
  const value = optionalVariable(env, name);
  if (value === undefined || value === 'env') return { kind: 'env' };
  const colon = value.indexOf(':');
  const scheme = colon > 0 ? value.slice(0, colon) : '';
  const reference = value.slice(colon + 1);
  if (scheme === 'ssm' && reference.length > 0) return { kind: 'ssm', name: reference };
  if (scheme === 'secretsmanager' && reference.length > 0) return { kind: 'secretsmanager', secretId: reference };
  throw new ConfigError(name, `must be "env", "ssm:<parameter name>" or "secretsmanager:<secret id>", got "${value}"`);
}

/** A bus name or ARN (EventBridge allows [/.\-_A-Za-z0-9], 1-256 characters; ARNs add `:`). */
function eventBusName(env: Env): string {
  const value = optionalVariable(env, 'EVENT_BUS_NAME') ?? 'default';
  if (!/^[A-Za-z0-9/._:-]{1,1600}$/.test(value)) {
    throw new ConfigError('EVENT_BUS_NAME', `must be an EventBridge bus name or ARN, got "${value}"`);
  }
  return value;
}

/** `RECEIPT_QUEUES=VoiceReport=Alicom-Queue-123-VoiceReport,VoiceCallReport=...` */
function receiptQueues(env: Env): ReadonlyMap<string, string> {
  const value = optionalVariable(env, 'RECEIPT_QUEUES');
  const queues = new Map<string, string>();
  if (value === undefined) {
    // Without an account id the console's names cannot be known; these match the sandbox's queues.
    for (const type of VOICE_MESSAGE_TYPES) queues.set(type, `Alicom-Queue-0000000000-${type}`);
    return queues;
  }
  for (const pair of value.split(',')) {
    const [type, queue, ...rest] = pair.split('=').map((part) => part.trim());
    if (!type || !queue || rest.length > 0 || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(type) || !/^[A-Za-z0-9-]{1,256}$/.test(queue)) {
      throw new ConfigError('RECEIPT_QUEUES', `expected MessageType=QueueName pairs, got "${pair}"`);
    }
    if (queues.has(type)) throw new ConfigError('RECEIPT_QUEUES', `message type ${type} is listed twice`);
    queues.set(type, queue);
  }
  return queues;
}

/** FLOW_CONTROL_LIMITS (docs/flow-control.md#settings): windows, or `off`. */
function flowControlWindows(env: Env): FlowWindow[] | undefined {
  const value = optionalVariable(env, 'FLOW_CONTROL_LIMITS') ?? DEFAULT_FLOW_CONTROL_LIMITS;
  try {
    return parseFlowControlLimits(value);
  } catch (error) {
    throw new ConfigError('FLOW_CONTROL_LIMITS', (error as Error).message);
  }
}

/**
 * CALL_REQUEST_SCHEDULE_GROUP, CALL_REQUEST_ATTEMPT_ARN and CALL_REQUEST_SCHEDULER_ROLE_ARN (and the
 * optional CALL_REQUEST_ATTEMPT_DLQ_ARN): all or none. The functions that need them check with
 * requireCallRequestSchedules.
 */
function callRequestSchedules(env: Env): CallRequestSchedules | undefined {
  const groupName = optionalVariable(env, 'CALL_REQUEST_SCHEDULE_GROUP');
  const attemptFunctionArn = optionalVariable(env, 'CALL_REQUEST_ATTEMPT_ARN');
  const schedulerRoleArn = optionalVariable(env, 'CALL_REQUEST_SCHEDULER_ROLE_ARN');
  const deadLetterArn = optionalVariable(env, 'CALL_REQUEST_ATTEMPT_DLQ_ARN');
  if (groupName === undefined && attemptFunctionArn === undefined && schedulerRoleArn === undefined) return undefined;
  if (groupName === undefined || !/^[0-9A-Za-z_.-]{1,64}$/.test(groupName)) throw new ConfigError('CALL_REQUEST_SCHEDULE_GROUP', `must be a schedule group name (1-64 of 0-9 A-Z a-z - _ .), got "${groupName ?? ''}"`);
  for (const [name, value] of [['CALL_REQUEST_ATTEMPT_ARN', attemptFunctionArn], ['CALL_REQUEST_SCHEDULER_ROLE_ARN', schedulerRoleArn], ['CALL_REQUEST_ATTEMPT_DLQ_ARN', deadLetterArn]] as const) {
    if ((value !== undefined || name !== 'CALL_REQUEST_ATTEMPT_DLQ_ARN') && !/^arn:[\w-]+:[\w-]+:[\w-]*:\d{12}:\S{1,1000}$/.test(value ?? '')) {
      throw new ConfigError(name, `must be an ARN, got "${value ?? ''}"`);
    }
  }
  return { groupName, attemptFunctionArn: attemptFunctionArn!, schedulerRoleArn: schedulerRoleArn!, deadLetterArn };
}

/** The call-request engine's settings, or a ConfigError naming the first variable missing. */
export function requireCallRequestSchedules(config: Config): CallRequestSchedules {
  if (!config.callRequestSchedules) {
    throw new ConfigError('CALL_REQUEST_SCHEDULE_GROUP', 'is required by the call-request functions, with CALL_REQUEST_ATTEMPT_ARN and CALL_REQUEST_SCHEDULER_ROLE_ARN');
  }
  return config.callRequestSchedules;
}

import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';

// Handlers read their configuration from the environment once per (test-file) cold start. These are
// what every test file starts from; the integration project adds DynamoDB Local (dynamodbEnv.ts).
process.env.AWS_REGION ??= 'us-east-1';
process.env.CALLS_TABLE ??= 'aliyun-voice-test-calls';
process.env.ALIYUN_ACCESS_KEY_ID = SANDBOX_ACCESS_KEY_ID;
process.env.ALIYUN_ACCESS_KEY_SECRET = SANDBOX_ACCESS_KEY_SECRET;
process.env.ALIYUN_CREDENTIALS_PARAM = 'env';
process.env.LOG_LEVEL ??= 'warn';
// The AWS SDK's warning that Node 20 will be unsupported (the functions deploy on nodejs22.x); its own switch silences only it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The flow-control guard keeps its history in the shared DynamoDB Local for the whole run: tests
// that are not about it place calls without it, and test/integration/flow-control/ switches it on.
process.env.FLOW_CONTROL_LIMITS ??= 'off';

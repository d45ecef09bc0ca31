/**
 * `npm start`: the whole bundle on this machine (README.md, "Commands").
 *   DynamoDB Local on 127.0.0.1:8000 with serverless.yml's tables (TTL and the calls table's stream on),
 *   the local Alibaba sandbox, RPC on 8090 and MNS on 8091 (unless every ALIYUN_*_ENDPOINT points elsewhere),
 *   a local EventBridge PutEvents endpoint on 4010 (unless EVENTBRIDGE_ENDPOINT points elsewhere),
 *   the local call-requests SQS queue on 4011, delivering to placeCallsFromQueue as its event source
 *   mapping would (unless SQS_ENDPOINT points elsewhere),
 *   a local EventBridge Scheduler on 4012 for one-time schedules, invoking their target functions
 *   (unless SCHEDULER_ENDPOINT points elsewhere),
 *   serverless-offline: HTTP API on 3000, Lambda invoke API on 3002,
 *   and, standing in for the deployed triggers, the receipt poller every 10 s and the calls table's
 *   stream fed to processCallChanges.
 * Ctrl-C stops every child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ENDPOINT_VARIABLES, endpointVariables } from '../sandbox/endpoints.ts';
import { startSandbox } from '../sandbox/server.ts';
import { localEndpointOptions } from '#shared/awsSdk';
import { LOCAL_RECEIPT_PUSH_TOKEN, SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import { startDynamoDbLocal, type RunningDynamoDb } from './local/dynamodb.ts';
import { startLocalEventBus } from './local/eventBus.ts';
import { invokeFunction } from './local/lambda.ts';
import { startLocalQueue, type LocalQueue } from './local/queue.ts';
import { startLocalScheduler, type LocalScheduler } from './local/scheduler.ts';
import { latestStreamArn, StreamPump } from './local/streams.ts';
import { createTables, tablesFromServerlessYml } from './local/tables.ts';

// The documented ports; the overrides let tests run a second instance beside a developer's.
const HTTP_PORT = Number(process.env.OFFLINE_HTTP_PORT ?? 3000);
const LAMBDA_PORT = Number(process.env.OFFLINE_LAMBDA_PORT ?? 3002);
const DYNAMODB_PORT = Number(process.env.DYNAMODB_LOCAL_PORT ?? 8000);
const EVENTBRIDGE_PORT = Number(process.env.EVENTBRIDGE_LOCAL_PORT ?? 4010);
const QUEUE_PORT = Number(process.env.QUEUE_LOCAL_PORT ?? 4011);
const SCHEDULER_PORT = Number(process.env.SCHEDULER_LOCAL_PORT ?? 4012);
const LAMBDA_ORIGIN = `http://127.0.0.1:${LAMBDA_PORT}`;
const STAGE = 'dev';
const RECEIPT_POLL_INTERVAL_MS = 10_000;
/** The account id of local ARNs: nothing checks it, but the ARNs must be well formed (shared/config.ts). */
const LOCAL_ACCOUNT = '000000000000';

const cleanups: Array<() => Promise<void> | void> = [];
let stopping = false;

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  // npm start runs on the Node it was started with (20 here); the functions deploy on nodejs22.x.
  // The AWS SDK's own switch for its NodeVersionSupportWarning silences that one warning, here and
  // in every function, and only it: every other warning still prints.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.AWS_REGION ||= 'us-east-1';

  let dynamo: RunningDynamoDb | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    log(`starting DynamoDB Local on 127.0.0.1:${DYNAMODB_PORT} ...`);
    dynamo = await startDynamoDbLocal(DYNAMODB_PORT);
    cleanups.push(() => dynamo!.stop());
    env.DYNAMODB_ENDPOINT = dynamo.endpoint;
    const tables = await createTables(dynamo.client, tablesFromServerlessYml(STAGE));
    log(`tables ready (TTL on): ${tables.join(', ')}`);
  }

  let sandboxUrl: string | undefined;
  if (ENDPOINT_VARIABLES.some((name) => !env[name])) {
    // Ports from SANDBOX_PORT and SANDBOX_MNS_PORT (8090, and 8091 for MNS, by default).
    const sandbox = await startSandbox();
    cleanups.push(() => sandbox.close());
    sandboxUrl = sandbox.url;
    const sandboxEndpoints = endpointVariables(sandbox);
    for (const name of ENDPOINT_VARIABLES) env[name] ||= sandboxEndpoints[name];
    if (!env.ALIYUN_ACCESS_KEY_ID && !env.ALIYUN_ACCESS_KEY_SECRET) {
      env.ALIYUN_ACCESS_KEY_ID = SANDBOX_ACCESS_KEY_ID;
      env.ALIYUN_ACCESS_KEY_SECRET = SANDBOX_ACCESS_KEY_SECRET;
    }
  }

  let busUrl: string | undefined;
  if (!env.EVENTBRIDGE_ENDPOINT) {
    const bus = await startLocalEventBus({ port: EVENTBRIDGE_PORT });
    cleanups.push(() => bus.close());
    busUrl = bus.url;
    env.EVENTBRIDGE_ENDPOINT = bus.url;
  }

  const queue = await startQueue(env);
  const scheduler = await startScheduler(env);

  // Locally the key pair and the push route's token come from this environment, never from SSM.
  env.ALIYUN_CREDENTIALS_PARAM ||= 'env';
  env.RECEIPT_PUSH_TOKEN_PARAM ||= 'env';
  env.RECEIPT_PUSH_TOKEN ||= LOCAL_RECEIPT_PUSH_TOKEN;
  env.AWS_ACCESS_KEY_ID ||= 'local';
  env.AWS_SECRET_ACCESS_KEY ||= 'local';
  // The SDK's full credential chain in the local bundles, so a developer's profile works for a real
  // secret store (the deployed bundles read the environment only: shared/lambdaCredentials.ts).
  env.AWS_CREDENTIAL_CHAIN ||= 'full';

  const offline = startOffline(env);
  cleanups.push(() => killTree(offline));
  await waitForHttp(`http://127.0.0.1:${HTTP_PORT}/calls/ready-check`, offline);

  const publishing = await publishStreamEvents(env);
  printBanner({ dynamoEndpoint: env.DYNAMODB_ENDPOINT!, sandboxUrl, busUrl, queue, scheduler, publishing, env });
  invokeEvery('pollReceipts', RECEIPT_POLL_INTERVAL_MS, 120_000);
}

/**
 * Deployed, CallRequestsQueue is an SQS queue read by placeCallsFromQueue's event source mapping;
 * locally scripts/local/queue.ts is both, delivering through the Lambda invoke API. Not started when
 * SQS_ENDPOINT points elsewhere (CALL_REQUESTS_QUEUE_URL must then name the queue there).
 */
async function startQueue(env: NodeJS.ProcessEnv): Promise<LocalQueue | undefined> {
  if (env.SQS_ENDPOINT) return undefined;
  const queue = await startLocalQueue({
    port: QUEUE_PORT,
    region: env.AWS_REGION,
    queueName: `aliyun-voice-${STAGE}-call-requests`,
    deliver: invokeFunction<SQSEvent, SQSBatchResponse | null>(LAMBDA_ORIGIN, `aliyun-voice-${STAGE}-placeCallsFromQueue`),
  });
  cleanups.push(stopWithin(() => queue.close()));
  env.SQS_ENDPOINT = queue.url;
  env.CALL_REQUESTS_QUEUE_URL ||= queue.queueUrl;
  return queue;
}

/**
 * Deployed, EventBridge Scheduler invokes the function a one-time schedule names; locally
 * scripts/local/scheduler.ts does, through the Lambda invoke API. Not started when SCHEDULER_ENDPOINT
 * points elsewhere.
 */
async function startScheduler(env: NodeJS.ProcessEnv): Promise<LocalScheduler | undefined> {
  if (env.SCHEDULER_ENDPOINT) return undefined;
  const scheduler = await startLocalScheduler({
    port: SCHEDULER_PORT,
    region: env.AWS_REGION,
    invoke: (functionName, payload) => invokeFunction(LAMBDA_ORIGIN, functionName)(payload),
  });
  cleanups.push(stopWithin(() => scheduler.close()));
  env.SCHEDULER_ENDPOINT = scheduler.url;
  // What the template gives the call-request functions deployed (docs/call-requests.md#the-engine):
  // the stand-in invokes the function an ARN names, by its name, and checks the ARNs' shapes.
  const region = env.AWS_REGION!;
  env.CALL_REQUEST_SCHEDULE_GROUP ||= `aliyun-voice-${STAGE}`;
  env.CALL_REQUEST_ATTEMPT_ARN ||= `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:aliyun-voice-${STAGE}-attemptCallRequest`;
  env.CALL_REQUEST_SCHEDULER_ROLE_ARN ||= `arn:aws:iam::${LOCAL_ACCOUNT}:role/aliyun-voice-${STAGE}-${region}-scheduler`;
  env.CALL_REQUEST_ATTEMPT_DLQ_ARN ||= `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:aliyun-voice-${STAGE}-call-request-attempts-dlq`;
  return scheduler;
}

/**
 * Deployed, Lambda's event source mapping feeds the calls table's stream to processCallChanges; locally
 * scripts/local/streams.ts reads DynamoDB Local's stream from now on (LATEST, as deployed) and invokes
 * processCallChanges through the Lambda invoke API, delivering again from any reported failure.
 * Returns false when the table has no stream to read (an external DYNAMODB_ENDPOINT without it).
 */
async function publishStreamEvents(env: NodeJS.ProcessEnv): Promise<boolean> {
  const table = tablesFromServerlessYml(STAGE).find((definition) => definition.create.TableName?.endsWith('-calls'))!.create.TableName!;
  const local = localEndpointOptions(env.DYNAMODB_ENDPOINT);
  const dynamodb = new DynamoDBClient(local);
  const streams = new DynamoDBStreamsClient(local);
  let streamArn: string;
  try {
    streamArn = await latestStreamArn(dynamodb, table);
  } catch (error) {
    log(`events are not published: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  const pump = await StreamPump.open({
    streams,
    streamArn,
    startingPosition: 'LATEST',
    deliver: invokeFunction<DynamoDBStreamEvent, DynamoDBBatchResponse | null>(LAMBDA_ORIGIN, `aliyun-voice-${STAGE}-processCallChanges`),
    log: (message) => {
      if (!stopping) log(`processCallChanges stream: ${message}`);
    },
  });
  pump.run();
  cleanups.push(stopWithin(() => pump.stop()));
  return true;
}

/**
 * Deployed, the poller runs every minute on its schedule; locally it is also invoked every 10 s
 * through the Lambda invoke API, so a placed call reaches its final status within seconds. One
 * invocation at a time. (serverless-offline runs the functions' schedules too: the call-request
 * sweeper every 5 minutes, as deployed.)
 */
function invokeEvery(functionName: string, intervalMs: number, timeoutMs: number): void {
  const url = `${LAMBDA_ORIGIN}/2015-03-31/functions/aliyun-voice-${STAGE}-${functionName}/invocations`;
  let running = false;
  const timer = setInterval(() => {
    if (running || stopping) return;
    running = true;
    fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(timeoutMs) })
      .then(async (response) => {
        const text = await response.text();
        if (response.headers.get('x-amz-function-error')) log(`${functionName} failed: ${text.slice(0, 500)}`);
      })
      .catch((error: unknown) => {
        if (!stopping) log(`${functionName} could not be invoked: ${String(error)}`);
      })
      .finally(() => (running = false));
  }, intervalMs);
  cleanups.push(() => clearInterval(timer));
}

/** A stand-in's stop for the cleanups: a delivery in flight ends within seconds (serverless-offline stops first); Ctrl-C does not wait longer. */
function stopWithin(stop: () => Promise<void>, ms = 3_000): () => Promise<void> {
  return () => Promise.race([stop(), new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
}

function startOffline(env: NodeJS.ProcessEnv): ChildProcess {
  const cli = require.resolve('osls/bin/serverless.js');
  const child = spawn(process.execPath, [
      cli,
      'offline',
      'start',
      '--stage',
      STAGE,
      // The receipt push route exists only where enabled (serverless.yml, param receiptPush):
      // locally it is, for the sandbox's pushes and the README's curl.
      '--param=receiptPush=true',
      '--localEnvironment',
      // Locally there is no IAM to check; and serverless-offline 13 mistakes an httpApi aws_iam
      // authorizer for JWT and refuses to start. Deployed routes keep AWS_IAM.
      '--noAuth',
      // The handlers keep their own deadlines from the context (getRemainingTimeInMillis still counts
      // down from each function's timeout) and answer a problem when time runs out. serverless-offline's
      // own kill at the timeout would instead turn the invocation into a 200 carrying its error object
      // (its httpApi payload 2.0 handling), which no deployed API answers: on a slow machine a placement
      // seemed to succeed with no callId.
      '--noTimeout',
      '--httpPort',
      String(HTTP_PORT),
      '--lambdaPort',
      String(LAMBDA_PORT),
    ], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group, so Ctrl-C can take down everything it started.
    detached: true,
  });
  child.once('exit', (code) => {
    if (!stopping) {
      log(`serverless-offline exited (code ${code}); stopping`);
      void stop(1);
    }
  });
  return child;
}

async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 120_000) {
    if (child.exitCode !== null) throw new Error('serverless-offline exited before it was ready');
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`${url} did not answer within 120 s`);
}

function printBanner(where: {
  dynamoEndpoint: string;
  sandboxUrl?: string;
  busUrl?: string;
  queue?: LocalQueue;
  scheduler?: LocalScheduler;
  publishing: boolean;
  env: NodeJS.ProcessEnv;
}): void {
  const api = `http://127.0.0.1:${HTTP_PORT}`;
  const invoke = (name: string) => `${LAMBDA_ORIGIN}/2015-03-31/functions/aliyun-voice-${STAGE}-${name}/invocations`;
  const bus = where.busUrl
    ? `${where.busUrl}  (events published: GET ${where.busUrl}/events)`
    : `(not started: EVENTBRIDGE_ENDPOINT=${where.env.EVENTBRIDGE_ENDPOINT})`;
  const queue = where.queue
    ? `${where.queue.queueUrl}  (-> placeCallsFromQueue; messages: GET ${where.queue.url}/messages)`
    : `(not started: SQS_ENDPOINT=${where.env.SQS_ENDPOINT})`;
  const scheduler = where.scheduler
    ? `${where.scheduler.url}  (one-time schedules -> their functions; GET ${where.scheduler.url}/__scheduler/schedules)`
    : `(not started: SCHEDULER_ENDPOINT=${where.env.SCHEDULER_ENDPOINT})`;
  const queueUrl = where.env.CALL_REQUESTS_QUEUE_URL || '<queue url>';
  const sqsEndpoint = where.env.SQS_ENDPOINT;
  console.log(`
aliyun-voice is running (stage ${STAGE})
  HTTP API           ${api}
  API explorer       ${api}/docs  (try every operation in the browser)
  Lambda invoke API  http://127.0.0.1:${LAMBDA_PORT}  (function names aliyun-voice-${STAGE}-<function>)
  DynamoDB Local     ${where.dynamoEndpoint}
  Alibaba sandbox    ${where.sandboxUrl ?? '(not started: ALIYUN_*_ENDPOINT point elsewhere)'}
  Voice endpoint     ${where.env.ALIYUN_VOICE_ENDPOINT}
  MNS endpoint       ${where.env.ALIYUN_MNS_ENDPOINT}  (receipt queues)
  EventBridge        ${bus}
  SQS call requests  ${queue}
  Scheduler          ${scheduler}
  Events out         ${where.publishing ? 'calls table stream -> processCallChanges -> EventBridge' : '(off: the calls table has no stream)'}
  Receipt push token ${where.env.RECEIPT_PUSH_TOKEN === LOCAL_RECEIPT_PUSH_TOKEN ? LOCAL_RECEIPT_PUSH_TOKEN : '(from RECEIPT_PUSH_TOKEN)'}  (POST ${api}/receipts/<MessageType>?token=...)

Try:
  curl -s -X POST ${api}/calls -H 'content-type: application/json' \\
    -d '{"type":"tts","calledNumber":"13800138000","ttsCode":"TTS_123456789","ttsParam":{"code":"1234"}}'
  curl -s ${api}/calls/<callId>
  # the same request as a message on the call-requests queue (placeCallsFromQueue receives it within a second)
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=${where.env.AWS_REGION} \\
  aws sqs send-message --endpoint-url ${sqsEndpoint} --queue-url ${queueUrl} \\
    --message-body '{"type":"tts","calledNumber":"13800138003","ttsCode":"TTS_123456789"}'
  curl -s -X POST ${sqsEndpoint}/ -H 'x-amz-target: AmazonSQS.SendMessage' -H 'content-type: application/x-amz-json-1.0' \\
    -d '{"QueueUrl":"${queueUrl}","MessageBody":"{\\"type\\":\\"tts\\",\\"calledNumber\\":\\"13800138004\\",\\"ttsCode\\":\\"TTS_123456789\\"}"}'
  # an SQS batch and an EventBridge "Place Call" event straight to the functions (Lambda invoke API)
  curl -s -X POST ${invoke('placeCallsFromQueue')} \\
    -d '{"Records":[{"messageId":"local-message-1","body":"{\\"type\\":\\"tts\\",\\"calledNumber\\":\\"13800138001\\",\\"ttsCode\\":\\"TTS_123456789\\"}"}]}'
  curl -s -X POST ${invoke('placeCallFromEvent')} \\
    -d '{"id":"local-event-1","detail-type":"Place Call","source":"aliyun-voice.requests","detail":{"type":"tts","calledNumber":"13800138002","ttsCode":"TTS_123456789"}}'
  # the receipt and status events published for your calls
  curl -s ${where.busUrl ?? '<your bus>'}/events

Ctrl-C stops everything.
`);
}

function killTree(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000).unref();
  });
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping ...');
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`cleanup failed: ${String(error)}`);
    }
  }
  process.exit(code);
}

function log(message: string): void {
  console.log(`[aliyun-voice] ${message}`);
}

main().catch((error: unknown) => {
  console.error(`[aliyun-voice] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});

/**
 * `npm start`: the whole bundle on this machine (design.md, "Commands").
 *   DynamoDB Local on 127.0.0.1:8000 with serverless.yml's tables (TTL on),
 *   the local Alibaba sandbox (unless every ALIYUN_*_ENDPOINT points elsewhere),
 *   serverless-offline: HTTP API on 3000, Lambda invoke API on 3002.
 * Ctrl-C stops every child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startSandbox } from '../sandbox/server.ts';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET, SANDBOX_DEFAULT_PORT } from '../shared/localDefaults.ts';
import { startDynamoDbLocal, type RunningDynamoDb } from './local/dynamodb.ts';
import { createTables, tablesFromServerlessYml } from './local/tables.ts';

// The documented ports; the overrides let tests run a second instance beside a developer's.
const HTTP_PORT = Number(process.env.OFFLINE_HTTP_PORT ?? 3000);
const LAMBDA_PORT = Number(process.env.OFFLINE_LAMBDA_PORT ?? 3002);
const DYNAMODB_PORT = Number(process.env.DYNAMODB_LOCAL_PORT ?? 8000);
const STAGE = 'dev';
const RECEIPT_POLL_INTERVAL_MS = 10_000;
const ENDPOINT_VARIABLES = ['ALIYUN_VOICE_ENDPOINT', 'ALIYUN_DYBASE_ENDPOINT', 'ALIYUN_MNS_ENDPOINT'] as const;

const cleanups: Array<() => Promise<void> | void> = [];
let stopping = false;

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const env: NodeJS.ProcessEnv = { ...process.env };

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
    const sandbox = await startSandbox({ port: Number(env.SANDBOX_PORT ?? SANDBOX_DEFAULT_PORT) });
    cleanups.push(() => sandbox.close());
    sandboxUrl = sandbox.url;
    for (const name of ENDPOINT_VARIABLES) env[name] ||= sandbox.url;
    if (!env.ALIYUN_ACCESS_KEY_ID && !env.ALIYUN_ACCESS_KEY_SECRET) {
      env.ALIYUN_ACCESS_KEY_ID = SANDBOX_ACCESS_KEY_ID;
      env.ALIYUN_ACCESS_KEY_SECRET = SANDBOX_ACCESS_KEY_SECRET;
    }
  }

  // Locally the key pair comes from this environment, never from SSM.
  env.ALIYUN_CREDENTIALS_PARAM ||= 'env';
  env.AWS_REGION ||= 'us-east-1';
  env.AWS_ACCESS_KEY_ID ||= 'local';
  env.AWS_SECRET_ACCESS_KEY ||= 'local';

  const offline = startOffline(env);
  cleanups.push(() => killTree(offline));
  await waitForHttp(`http://127.0.0.1:${HTTP_PORT}/calls/ready-check`, offline);

  printBanner({ dynamoEndpoint: env.DYNAMODB_ENDPOINT!, sandboxUrl, env });
  pollReceiptsEvery(RECEIPT_POLL_INTERVAL_MS);
}

/**
 * Deployed, the poller runs every minute on its schedule; locally it is invoked every 10 s through
 * the Lambda invoke API so a placed call reaches its final status within seconds. One at a time.
 */
function pollReceiptsEvery(intervalMs: number): void {
  const url = `http://127.0.0.1:${LAMBDA_PORT}/2015-03-31/functions/aliyun-voice-${STAGE}-pollReceipts/invocations`;
  let running = false;
  const timer = setInterval(() => {
    if (running || stopping) return;
    running = true;
    fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(120_000) })
      .then(async (response) => {
        const text = await response.text();
        if (response.headers.get('x-amz-function-error')) log(`pollReceipts failed: ${text.slice(0, 500)}`);
      })
      .catch((error: unknown) => {
        if (!stopping) log(`pollReceipts could not be invoked: ${String(error)}`);
      })
      .finally(() => (running = false));
  }, intervalMs);
  cleanups.push(() => clearInterval(timer));
}

function startOffline(env: NodeJS.ProcessEnv): ChildProcess {
  const cli = require.resolve('osls/bin/serverless.js');
  const child = spawn(process.execPath, [
      cli,
      'offline',
      'start',
      '--stage',
      STAGE,
      '--localEnvironment',
      // Locally there is no IAM to check; and serverless-offline 13 mistakes an httpApi aws_iam
      // authorizer for JWT and refuses to start. Deployed routes keep AWS_IAM.
      '--noAuth',
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

function printBanner(where: { dynamoEndpoint: string; sandboxUrl?: string; env: NodeJS.ProcessEnv }): void {
  const api = `http://127.0.0.1:${HTTP_PORT}`;
  console.log(`
aliyun-voice is running (stage ${STAGE})
  HTTP API           ${api}
  Lambda invoke API  http://127.0.0.1:${LAMBDA_PORT}  (function names aliyun-voice-${STAGE}-<function>)
  DynamoDB Local     ${where.dynamoEndpoint}
  Alibaba sandbox    ${where.sandboxUrl ?? '(not started: ALIYUN_*_ENDPOINT point elsewhere)'}
  Voice endpoint     ${where.env.ALIYUN_VOICE_ENDPOINT}

Try:
  curl -s -X POST ${api}/calls -H 'content-type: application/json' \\
    -d '{"type":"tts","calledNumber":"13800138000","ttsCode":"TTS_123456789","ttsParam":{"code":"1234"}}'
  curl -s ${api}/calls/<callId>

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

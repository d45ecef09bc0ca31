/**
 * `npm start` (scripts/start.ts) as a user runs it, started from a test on free ports so it never
 * clashes with a developer's own `npm start`, with only what a user's shell would have in its
 * environment. Shared by the end-to-end tests that need the whole local stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freePort } from '../../scripts/local/ports.ts';
import { userShellEnvironment } from './environment.ts';

/** Cold: DynamoDB Local, the sandbox and serverless-offline's first esbuild round on 2 busy cores. */
export const STARTUP_TIMEOUT_MS = 150_000;

export interface LocalStackPorts {
  http: number;
  lambda: number;
  dynamodb: number;
  sandbox: number;
  /** The sandbox's MNS origin, its own as at Alibaba (sandbox/README.md, "Endpoints"). */
  sandboxMns: number;
  eventbridge: number;
  /** The local call-requests SQS queue (scripts/local/queue.ts). */
  queue: number;
  /** The local EventBridge Scheduler (scripts/local/scheduler.ts). */
  scheduler: number;
}

export interface LocalStack {
  ports: LocalStackPorts;
  /** The HTTP API's origin, `http://127.0.0.1:<port>`. */
  api: string;
  /** The `npm start` process: its own process group, like a terminal's foreground job. */
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /**
   * Stops it as Ctrl-C would (SIGINT to its process group: it stops every process it started), then
   * SIGKILL if it is still there after a while, and removes its esbuild work folder.
   */
  stop(): Promise<void>;
}

/** Starts `npm start` and waits for its banner; `env` adds to (or overrides) the user's environment. */
export async function startLocalStack(env: Record<string, string> = {}): Promise<LocalStack> {
  const ports: LocalStackPorts = {
    http: await freePort(),
    lambda: await freePort(),
    dynamodb: await freePort(),
    sandbox: await freePort(),
    sandboxMns: await freePort(),
    eventbridge: await freePort(),
    queue: await freePort(),
    scheduler: await freePort(),
  };
  const workFolder = `.esbuild-e2e-${process.pid}-${ports.http}`;
  // Only what a user's shell would have: none of this test run's DynamoDB, Alibaba or flow-control settings.
  const childEnv = userShellEnvironment();
  Object.assign(childEnv, {
    OFFLINE_HTTP_PORT: String(ports.http),
    OFFLINE_LAMBDA_PORT: String(ports.lambda),
    DYNAMODB_LOCAL_PORT: String(ports.dynamodb),
    SANDBOX_PORT: String(ports.sandbox),
    SANDBOX_MNS_PORT: String(ports.sandboxMns),
    EVENTBRIDGE_LOCAL_PORT: String(ports.eventbridge),
    QUEUE_LOCAL_PORT: String(ports.queue),
    SCHEDULER_LOCAL_PORT: String(ports.scheduler),
    ESBUILD_WORK_FOLDER: workFolder,
    ...env,
  });
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/start.ts'], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches every process in it.
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const stack: LocalStack = {
    ports,
    api: `http://127.0.0.1:${ports.http}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        const within = (ms: number) => Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))]);
        signalGroup(child.pid, 'SIGINT');
        // serverless-offline runs in a process group of its own: only npm start's own stop reaches it.
        if (!(await within(20_000))) {
          signalGroup(child.pid, 'SIGKILL');
          await within(5_000);
        }
      }
      // Its builder writes into the work folder until it is gone.
      rmSync(workFolder, { recursive: true, force: true });
    },
  };

  const started = Date.now();
  while (!output.includes('aliyun-voice is running')) {
    if (child.exitCode !== null) {
      await stack.stop();
      throw new Error(`npm start exited early:\n${output.slice(-3000)}`);
    }
    if (Date.now() - started > STARTUP_TIMEOUT_MS) {
      await stack.stop();
      throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return stack;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * One cold start, the Lambda way (bench/rows/lambdaCold.ts): a fresh process that imports one
 * bundle at full speed (`load`: the module scope, top-level await included, as Lambda's init), then,
 * once the bench has held it to its memory's CPU share, answers one event (`invoke`, as the first
 * invocation). Built as ESM so that `import()` loads ESM and CommonJS bundles alike.
 */
import { pathToFileURL } from 'node:url';
import { serveWorker } from '../lib/workerProtocol.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let handler: Handler | undefined;
let event: unknown;
let remainingMs = 10_000;

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

serveWorker({
  async load(payload: { bundle: string; event: unknown; remainingMs: number }) {
    event = payload.event;
    remainingMs = payload.remainingMs;
    const cpuBefore = cpuMs();
    const started = performance.now();
    const module = (await import(pathToFileURL(payload.bundle).href)) as { handler?: Handler; default?: { handler?: Handler } };
    const loadMs = performance.now() - started;
    handler = module.handler ?? module.default?.handler;
    if (typeof handler !== 'function') throw new Error(`${payload.bundle} exports no handler`);
    return { loadMs, loadCpuMs: cpuMs() - cpuBefore };
  },
  async invoke() {
    if (!handler) throw new Error('load first');
    const deadline = Date.now() + remainingMs;
    const context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: 'aliyun-voice-bench',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:aliyun-voice-bench',
      memoryLimitInMB: '256',
      awsRequestId: `bench-${process.pid}`,
      logGroupName: '/aws/lambda/aliyun-voice-bench',
      logStreamName: 'bench',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const cpuBefore = cpuMs();
    const started = performance.now();
    const result = await handler(event, context);
    const invokeMs = performance.now() - started;
    return { invokeMs, invokeCpuMs: cpuMs() - cpuBefore, result: result ?? null };
  },
});

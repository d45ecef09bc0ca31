/**
 * Ours in the call-requests row: the createCallRequest and attemptCallRequest bundles (what
 * `serverless package` ships) loaded in this process, with the local EventBridge Scheduler
 * (scripts/local/scheduler.ts) in this process too, invoking the attempt function in process as
 * Scheduler invokes it deployed. `run` creates `count` requests all due at the same whole minute,
 * then waits for every attempt to be placed and reports when each was, against that minute.
 */
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { startLocalScheduler, type LocalScheduler } from '../../scripts/local/scheduler.ts';
import { httpEvent, lambdaContext } from '../../test/support/apiGatewayEvents.ts';
import { runConcurrent } from '../lib/load.ts';
import { serveWorker } from '../lib/workerProtocol.ts';

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type AttemptHandler = (event: unknown, context: Context) => Promise<{ status: string }>;

let create: HttpHandler | undefined;
let attempt: AttemptHandler | undefined;
let scheduler: LocalScheduler | undefined;
/** When each request's attempt came back from the attempt function (performance.now() and epoch ms). */
const placed = new Map<string, number>();
let sequence = 0;

serveWorker({
  /**
   * Starts the Scheduler stand-in first: its origin is SCHEDULER_ENDPOINT, which the bundles read at
   * import (their cold start).
   */
  async load(payload: { createBundle: string; attemptBundle: string; concurrency: number }) {
    scheduler = await startLocalScheduler({
      port: 0,
      concurrency: payload.concurrency,
      print: () => undefined,
      invoke: async (_functionName, input) => {
        const result = await attempt!(input, lambdaContext(15_000));
        const { requestId } = input as { requestId: string };
        if (result.status === 'in-progress') placed.set(requestId, Date.now());
        return result;
      },
    });
    process.env.SCHEDULER_ENDPOINT = scheduler.url;
    create = ((await import(pathToFileURL(payload.createBundle).href)) as { handler: HttpHandler }).handler;
    attempt = ((await import(pathToFileURL(payload.attemptBundle).href)) as { handler: AttemptHandler }).handler;
    return {};
  },
  /**
   * Creates `count` requests due at the first whole minute at least `leadMs` away (Scheduler's
   * schedules name whole minutes), `concurrency` creations in flight, then waits until each attempt
   * was placed or `waitMs` passed.
   */
  async run(payload: { count: number; concurrency: number; leadMs: number; waitMs: number }) {
    const dueAt = Math.ceil((Date.now() + payload.leadMs) / 60_000) * 60_000;
    const requestIds: string[] = [];
    const creation = await runConcurrent(payload.count, payload.concurrency, async () => {
      sequence += 1;
      // A number of its own for each request: the flow-control guard is on, as deployed.
      const calledNumber = `135${String((process.pid % 100) * 1_000_000 + sequence).padStart(8, '0')}`;
      const body = { call: { type: 'tts', calledNumber, ttsCode: 'TTS_123456789' }, notBefore: new Date(dueAt).toISOString() };
      const result = await create!(httpEvent({ method: 'POST', route: '/call-requests', body }), lambdaContext(10_000));
      if (result.statusCode !== 202) throw new Error(`${result.statusCode} ${String(result.body).slice(0, 300)}`);
      requestIds.push((JSON.parse(String(result.body)) as { requestId: string }).requestId);
    });
    const createdBy = Date.now();
    while (Date.now() < dueAt + payload.waitMs && requestIds.some((id) => !placed.has(id))) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lateness = requestIds.filter((id) => placed.has(id)).map((id) => placed.get(id)! - dueAt);
    return {
      created: requestIds.length,
      creationFailures: creation.failures,
      creationError: creation.firstError,
      createdBeforeDue: createdBy <= dueAt,
      placed: lateness.length,
      latenessMs: lateness.sort((a, b) => a - b),
      fired: scheduler!.fired().length,
    };
  },
  async stop() {
    await scheduler?.close();
    return {};
  },
});

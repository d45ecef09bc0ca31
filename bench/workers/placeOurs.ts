/**
 * Ours in the placing row: the placeCall bundle (what `serverless package` ships) loaded in this
 * process and invoked in process with API Gateway HTTP API (payload 2.0) events built from the
 * captured test/fixtures/apigw-http/iam-auth.json, `concurrency` invocations in flight.
 */
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { httpEvent, lambdaContext } from '../../test/support/apiGatewayEvents.ts';
import { runConcurrent } from '../lib/load.ts';
import { serveWorker } from '../lib/workerProtocol.ts';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let handler: Handler | undefined;
/** `none`: no Idempotency-Key header; `unique`: a new key per request (when the handler requires one). */
let keyMode: 'none' | 'unique' = 'none';
let sequence = 0;

function loaded(): Handler {
  if (!handler) throw new Error('load the bundle first');
  return handler;
}

/**
 * Each call to a number of its own, as real traffic is: with the per-number flow-control guard on
 * (docs/flow-control.md), the same number twice in a minute is refused, not placed. 136 and eight
 * digits from this process's id and the call's sequence: never a sandbox test number (139...).
 */
function withOwnNumber(body: unknown): unknown {
  const calledNumber = `136${String((process.pid % 100) * 1_000_000 + (sequence % 1_000_000)).padStart(8, '0')}`;
  return { ...(body as Record<string, unknown>), calledNumber };
}

function event(body: unknown): APIGatewayProxyEventV2 {
  sequence += 1;
  const headers = keyMode === 'unique' ? { 'idempotency-key': `bench-${process.pid}-${sequence}` } : undefined;
  return httpEvent({ method: 'POST', route: '/calls', body: withOwnNumber(body), ...(headers ? { headers } : {}) });
}

function describe(result: APIGatewayProxyStructuredResultV2): string {
  return `${result.statusCode} ${String(result.body ?? '').slice(0, 300)}`;
}

serveWorker({
  async load(payload: { bundle: string }) {
    // import(): the bundle is an ES module (serverless.yml builds .mjs), and its init awaits.
    handler = ((await import(pathToFileURL(payload.bundle).href)) as { handler: Handler }).handler;
    return { rssMb: process.memoryUsage().rss / 1e6 };
  },
  /** One call without an Idempotency-Key; if the handler refuses that, one with a fresh key. */
  async probe(payload: { body: unknown }) {
    keyMode = 'none';
    const plain = await loaded()(event(payload.body), lambdaContext());
    if (plain.statusCode === 202) return { keyMode };
    keyMode = 'unique';
    const keyed = await loaded()(event(payload.body), lambdaContext());
    if (keyed.statusCode === 202) return { keyMode, withoutKey: describe(plain) };
    throw new Error(`placeCall did not place the call: without a key ${describe(plain)}; with one ${describe(keyed)}`);
  },
  async run(payload: { body: unknown; count: number; concurrency: number }) {
    const run = loaded();
    // Events are built before the clock starts: API Gateway's work, not the handler's.
    const events = Array.from({ length: payload.count }, () => event(payload.body));
    return runConcurrent(payload.count, payload.concurrency, async (index) => {
      const result = await run(events[index]!, lambdaContext(10_000));
      if (result.statusCode !== 202) throw new Error(describe(result));
    });
  },
});

/**
 * Ours in the drain row: the pollReceipts bundle loaded in this process and invoked the way the
 * schedule does (55 s of Lambda time), again until every expected message is deleted. Reports
 * the poller's own counters and this process's peak RSS (the poller is all that runs here). The
 * process runs with the NODE_OPTIONS pollReceipts is deployed with (bench/rows/drain.ts passes them
 * from serverless.yml); the heap limit V8 made of them is reported beside the peak.
 */
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { Context } from 'aws-lambda';
import type { QueueDrainStats } from '#shared/receipts/poller';
import { lambdaContext } from '../../test/support/apiGatewayEvents.ts';
import { serveWorker } from '../lib/workerProtocol.ts';

/** The counters of the poller's per-queue stats this worker adds up. */
type QueueCounts = Pick<QueueDrainStats, 'received' | 'stored' | 'deleted' | 'invalid' | 'deleteFailures' | 'notStored' | 'stoppedBecause'>;
type Handler = (event: unknown, context: Context) => Promise<{ queues: QueueCounts[] }>;

let handler: Handler | undefined;
let rssAfterLoadMb = 0;

serveWorker({
  async load(payload: { bundle: string }) {
    // import(): the bundle is an ES module (serverless.yml builds .mjs), and its init awaits.
    handler = ((await import(pathToFileURL(payload.bundle).href)) as { handler: Handler }).handler;
    rssAfterLoadMb = process.memoryUsage().rss / 1e6;
    return { rssAfterLoadMb };
  },
  async drain(payload: { expected: number; maxInvocations: number; lambdaMs: number }) {
    if (!handler) throw new Error('load the bundle first');
    const totals = { received: 0, stored: 0, deleted: 0, invalid: 0, deleteFailures: 0, notStored: 0 };
    let invocations = 0;
    let error: string | undefined;
    // Where the memory is, sampled through the drain: the V8 heap, or buffers outside it.
    const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    const sample = () => {
      const usage = process.memoryUsage();
      for (const key of Object.keys(peak) as (keyof typeof peak)[]) peak[key] = Math.max(peak[key], usage[key] / 1e6);
    };
    // process.memoryUsage() walks the V8 heap spaces: sampled often, it would cost the measured
    // process real CPU. The peak figure itself is getrusage's maxRSS; these samples only say where it went.
    const sampler = setInterval(sample, 250);
    const started = performance.now();
    while (invocations < payload.maxInvocations && totals.deleted < payload.expected) {
      invocations += 1;
      try {
        const { queues } = await handler({}, lambdaContext(payload.lambdaMs));
        const received = queues.reduce((sum, queue) => sum + queue.received, 0);
        for (const queue of queues) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += queue[key];
        if (received === 0) break;
      } catch (failure) {
        error = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
        break;
      }
    }
    const elapsedMs = performance.now() - started;
    clearInterval(sampler);
    sample();
    // maxRSS is in KiB (getrusage); it covers the whole life of this process, loading included.
    return {
      elapsedMs,
      invocations,
      totals,
      error,
      peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
      rssAfterLoadMb,
      heapLimitMb: getHeapStatistics().heap_size_limit / 1e6,
      sampledPeakMb: peak,
    };
  },
});

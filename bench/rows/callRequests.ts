/**
 * Call requests due at once (docs/call-requests.md#the-engine): a thousand requests created for the
 * same minute, then fired by the local EventBridge Scheduler (scripts/local/scheduler.ts, 25
 * invocations in flight, as npm start runs it) into the attemptCallRequest bundle, which places each
 * through the flow-control guard and moves its request on. The figure is how long after that minute
 * the last attempt was placed; the anchor is the same number of calls placed directly by the
 * placeCall bundle, 25 in flight, from the first to the last: the time the calls themselves take.
 *
 * Deployed, Scheduler fires the schedules of a minute within that minute (docs/call-requests.md),
 * and Lambda runs the attempts side by side; locally, one process runs them, so this measures what
 * the bundle adds to each placement (reading the request, the attempt's idempotency record, the
 * request's conditional writes), not Scheduler.
 */
import type { Row } from '../lib/context.ts';
import type { Figure } from '../lib/figures.ts';
import type { LoadResult } from '../lib/load.ts';
import { forkWorker } from '../lib/processes.ts';
import { handlerEnv, startSandboxProcess } from '../lib/services.ts';
import { percentile } from '../lib/stats.ts';

const CONCURRENCY = 25;
const BODY = { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789' };

interface OursResult {
  created: number;
  creationFailures: number;
  creationError?: string;
  createdBeforeDue: boolean;
  placed: number;
  latenessMs: number[];
  fired: number;
}

export const callRequestsRow: Row = {
  id: 'callRequests',
  title: 'Call requests due at once',
  async run(context) {
    const count = context.quick ? 200 : 1_000;
    const [dynamo, createBundle, attemptBundle, placeBundle, oursScript, anchorScript] = await Promise.all([
      context.dynamo(),
      context.bundle('createCallRequest'),
      context.bundle('attemptCallRequest'),
      context.bundle('placeCall'),
      context.worker('callRequestsOurs'),
      context.worker('placeOurs'),
    ]);
    const sandbox = await startSandboxProcess({ receiptDelayMs: 3_600_000 });
    const env = {
      ...handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable, dynamodbEndpoint: dynamo.endpoint, alibaba: sandbox }),
      // The guard at Alibaba's windows, as deployed; every request is to a number of its own.
      FLOW_CONTROL_LIMITS: '1/60,5/3600,20/86400',
    };
    const ours = forkWorker(oursScript, env, { cwd: context.tmp });
    const anchor = forkWorker(anchorScript, { ...env, FLOW_CONTROL_LIMITS: '1/60,5/3600,20/86400' }, { cwd: context.tmp });
    try {
      await ours.request('load', { createBundle: createBundle.file, attemptBundle: attemptBundle.file, concurrency: CONCURRENCY });
      await anchor.request('load', { bundle: placeBundle.file });
      await anchor.request('probe', { body: BODY });
      context.log(`call requests: ${count} direct placements, then ${count} requests due at the next whole minute (up to a minute's wait)`);
      await anchor.request('run', { body: BODY, count: Math.min(100, count), concurrency: CONCURRENCY });
      const direct = await anchor.request<LoadResult>('run', { body: BODY, count, concurrency: CONCURRENCY });
      const result = await ours.request<OursResult>('run', { count, concurrency: 16, leadMs: context.quick ? 15_000 : 40_000, waitMs: 120_000 });
      await ours.request('stop', {});

      const last = result.latenessMs.at(-1);
      const problems = [
        ...(result.creationFailures > 0 ? [`${result.creationFailures} requests not created (${result.creationError})`] : []),
        ...(result.placed < result.created ? [`${result.created - result.placed} of ${result.created} not placed within 2 minutes`] : []),
        ...(result.createdBeforeDue ? [] : ['the requests were still being created when they fell due']),
        ...(direct.failures > 0 ? [`${direct.failures} direct placements failed (${direct.firstError})`] : []),
      ];
      const figures: Figure[] = [
        {
          row: 'callRequests',
          name: `${count} call requests due in one minute: the last placed after that minute`,
          value: last,
          unit: 'ms',
          anchor: { name: `the same ${count} calls placed directly (placeCall, ${CONCURRENCY} in flight)`, value: direct.elapsedMs },
          target: { of: 'ratio', op: '<=', threshold: 2 },
          ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
          note:
            `Each request due at the same whole minute (Scheduler's schedules name minutes), fired by the local Scheduler ${CONCURRENCY} at a time into the attemptCallRequest bundle in process; ` +
            `${result.placed} placed, p50 ${result.latenessMs.length > 0 ? percentile(result.latenessMs, 50).toFixed(0) : "n/a"} ms after the minute, ${result.fired} schedules fired. ` +
            'Each attempt reads its request, takes its idempotency record and flow-control slot, places the call, stores it, and writes the request twice (in progress, then its call). ' +
            'Deployed, Scheduler fires within the minute and Lambda runs the attempts side by side.',
        },
      ];
      return { figures, data: { count, direct: { elapsedMs: direct.elapsedMs, failures: direct.failures }, ours: { ...result, latenessMs: undefined } } };
    } finally {
      await Promise.all([ours.stop(), anchor.stop()]);
      await sandbox.stop();
    }
  },
};

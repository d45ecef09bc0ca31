/**
 * Row 4, placing calls: requests per second and latency through the placeCall handler (its
 * bundle, invoked in process with API Gateway v2 events) against a plain pop-core loop placing
 * the same SingleCallByTts calls, same concurrency, same count, alternating rounds.
 *
 * Setup on a 2-core machine: the sandbox runs in its own process (flow control off, receipts
 * held back an hour so none are produced meanwhile), DynamoDB Local (Java) in another, and each
 * contender in a worker process of its own; only one contender runs at a time. Ours also writes
 * every call to DynamoDB Local (the call item), which the pop-core loop does not do; a third
 * contender, pop-core plus one PutItem per call, does the same work as ours with the official
 * clients (the like-for-like comparison, shown beside the target's).
 */
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '../../shared/localDefaults.ts';
import type { Row } from '../lib/context.ts';
import type { Figure } from '../lib/figures.ts';
import type { LoadResult } from '../lib/load.ts';
import { forkWorker } from '../lib/processes.ts';
import { handlerEnv, startSandboxProcess } from '../lib/services.ts';
import { percentile } from '../lib/stats.ts';

const CONCURRENCY = 16;
/** A TTS verification-code call to an ordinary number (never a sandbox test number). */
const BODY = { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } };

/** Ours, the pop-core loop, and the pop-core loop storing each call. */
type Side = 'ours' | 'theirs' | 'stored';

const formatMs = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(1)} ms`);

interface Totals {
  count: number;
  elapsedMs: number;
  failures: number;
  firstError?: string;
  latencies: number[];
}

function add(totals: Totals, result: LoadResult): void {
  totals.count += result.latenciesMs.length;
  totals.elapsedMs += result.elapsedMs;
  totals.failures += result.failures;
  totals.firstError ??= result.firstError;
  totals.latencies.push(...result.latenciesMs);
}

export const placingRow: Row = {
  id: 'placing',
  title: 'Placing calls',
  async run(context) {
    const total = context.quick ? 200 : 2_000;
    const rounds = context.quick ? 2 : 4;
    const warmup = context.quick ? 50 : 300;
    const perRound = Math.ceil(total / rounds);

    const [dynamo, bundle, oursScript, theirsScript] = await Promise.all([
      context.dynamo(),
      context.bundle('placeCall'),
      context.worker('placeOurs'),
      context.worker('placePopCore'),
    ]);
    const sandbox = await startSandboxProcess({ receiptDelayMs: 3_600_000 });
    const ours = forkWorker(
      oursScript,
      handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable, dynamodbEndpoint: dynamo.endpoint, alibaba: sandbox }),
      { cwd: context.tmp },
    );
    const theirs = forkWorker(theirsScript, handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable }), { cwd: context.tmp });
    const stored = forkWorker(theirsScript, handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable }), { cwd: context.tmp });
    try {
      await ours.request('load', { bundle: bundle.file });
      const { keyMode } = await ours.request<{ keyMode: 'none' | 'unique' }>('probe', { body: BODY });
      // The pop-core loop sends exactly the action parameters our handler sent (sandbox request log).
      const log = await sandbox.control<{ requests: { action: string; params: Record<string, string> }[] }>('GET', 'requests');
      const sent = log.requests.filter((request) => request.action === 'SingleCallByTts').at(-1);
      if (!sent) throw new Error('the sandbox saw no SingleCallByTts from placeCall');
      const init = { endpoint: sandbox.url, accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET, params: sent.params };
      await theirs.request('init', init);
      await stored.request('init', { ...init, store: { endpoint: dynamo.endpoint, table: dynamo.callsTable } });

      context.log(`placing: warm-up ${warmup} each, then ${rounds} alternating rounds of ${perRound} per side, ${CONCURRENCY} in flight`);
      await ours.request('run', { body: BODY, count: warmup, concurrency: CONCURRENCY });
      await theirs.request('run', { count: warmup, concurrency: CONCURRENCY });
      await stored.request('run', { count: warmup, concurrency: CONCURRENCY });
      const totals: Record<Side, Totals> = {
        ours: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
        theirs: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
        stored: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
      };
      const sides: readonly Side[] = ['ours', 'theirs', 'stored'];
      for (let round = 0; round < rounds; round++) {
        // Each round in another order, so that no contender always follows the same one.
        const order = sides.map((_, index) => sides[(index + round) % sides.length]!);
        for (const side of order) {
          // Forget the previous round's calls and nonces: every round starts from the same sandbox state.
          await sandbox.control('POST', 'reset');
          const result =
            side === 'ours'
              ? await ours.request<LoadResult>('run', { body: BODY, count: perRound, concurrency: CONCURRENCY })
              : await (side === 'theirs' ? theirs : stored).request<LoadResult>('run', { count: perRound, concurrency: CONCURRENCY });
          add(totals[side], result);
        }
      }

      const rate = (side: Totals) => (side.count / side.elapsedMs) * 1000;
      const latency = (side: Totals, p: number) => (side.latencies.length > 0 ? percentile(side.latencies, p) : undefined);
      const failures = sides
        .filter((side) => totals[side].failures > 0)
        .map((side) => `${side}: ${totals[side].failures} failed (${totals[side].firstError})`);
      const setup =
        `${totals.ours.count} + ${totals.theirs.count} + ${totals.stored.count} SingleCallByTts calls, ${CONCURRENCY} in flight, ${rounds} alternating rounds (ours, pop-core, pop-core + PutItem, rotating) after ${warmup} warm-up each. ` +
        `Ours: the placeCall bundle invoked in process with API Gateway v2 events (iam-auth.json), ${keyMode === 'none' ? 'no Idempotency-Key' : 'a unique Idempotency-Key per request (the handler requires one)'}; ` +
        `it also writes each call to DynamoDB Local${keyMode === 'unique' ? ' and its idempotency record' : ''} and logs it (JSON log line and EMF metrics, to /dev/null); the pop-core loop does neither. ` +
        'Sandbox, DynamoDB Local and each contender are separate processes sharing the cores.';
      // More than 1% failed requests make the rates meaningless: the table shows the failure instead.
      const failing = sides.filter((side) => totals[side].failures > 0.01 * (totals[side].count + totals[side].failures));
      const failed = failing.length > 0 ? { error: `too many failed calls: ${failures.join('; ')}` } : {};
      const figures: Figure[] = [
        {
          row: 'placing',
          name: `Placing calls, throughput (${CONCURRENCY} in flight)`,
          value: rate(totals.ours),
          unit: '/s',
          per: 'calls',
          anchor: { name: 'pop-core loop, same sandbox', value: rate(totals.theirs) },
          target: { of: 'ratio', op: '>=', threshold: 1.5 },
          ...failed,
          note: `${setup}${failures.length > 0 ? ` Failures: ${failures.join('; ')}.` : ''}`,
        },
        {
          row: 'placing',
          name: 'Placing calls vs pop-core + PutItem [like for like]',
          value: rate(totals.ours),
          unit: '/s',
          per: 'calls',
          anchor: { name: 'pop-core + one PutItem per call', value: rate(totals.stored) },
          target: { of: 'ratio', op: '>=', threshold: 1 },
          ...failed,
          note:
            `The same calls placed by the pop-core loop, each followed by one PutItem of the call item (@aws-sdk/client-dynamodb, default settings) into the same DynamoDB Local: ` +
            `the work the handler does, with the official clients. p50 ${formatMs(latency(totals.stored, 50))}, p99 ${formatMs(latency(totals.stored, 99))}.`,
        },
        { row: 'placing', name: 'Placing calls, p50 latency', value: latency(totals.ours, 50), unit: 'ms', anchor: { name: 'pop-core loop', value: latency(totals.theirs, 50) } },
        { row: 'placing', name: 'Placing calls, p99 latency', value: latency(totals.ours, 99), unit: 'ms', anchor: { name: 'pop-core loop', value: latency(totals.theirs, 99) } },
      ];
      return {
        figures,
        data: {
          keyMode,
          concurrency: CONCURRENCY,
          rounds,
          ours: { count: totals.ours.count, elapsedMs: totals.ours.elapsedMs, failures: totals.ours.failures },
          theirs: { count: totals.theirs.count, elapsedMs: totals.theirs.elapsedMs, failures: totals.theirs.failures },
          stored: { count: totals.stored.count, elapsedMs: totals.stored.elapsedMs, failures: totals.stored.failures },
        },
      };
    } finally {
      await Promise.all([ours.stop(), theirs.stop(), stored.stop()]);
      await sandbox.stop();
    }
  },
};

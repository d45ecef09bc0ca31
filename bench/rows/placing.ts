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
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import type { Row } from '../lib/context.ts';
import type { Figure } from '../lib/figures.ts';
import type { LoadResult } from '../lib/load.ts';
import { startDelayProxy } from '../lib/delayProxy.ts';
import { forkWorker } from '../lib/processes.ts';
import { ALIBABA_RTT_MS } from './lambdaCold.ts';
import { handlerEnv, startSandboxProcess } from '../lib/services.ts';
import { percentile } from '../lib/stats.ts';

const CONCURRENCY = 16;
/**
 * In flight for the two contenders with Alibaba far away: few enough that DynamoDB Local, which
 * applies writes one at a time, is not what both wait for (DynamoDB spreads items over partitions;
 * a one-writer emulator at 16 in flight measures itself, and a side with two writes per call at half
 * the rate whatever they cost).
 */
const FAR_CONCURRENCY = 4;
/** A TTS verification-code call to an ordinary number (never a sandbox test number). */
const BODY = { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } };

/**
 * Ours, the pop-core loop, and the pop-core loop storing each call, with the sandbox next door; then
 * ours with the per-number flow-control guard (Alibaba's windows, the default: one more conditional
 * DynamoDB write per call, docs/flow-control.md) and the pop-core loop storing each call, both with
 * Alibaba ALIBABA_RTT_MS away as from a Lambda (bench/lib/delayProxy.ts). Next door, DynamoDB Local
 * is all either side waits for, so a second write halves the rate whatever it is; at Alibaba's real
 * distance the comparison says what the guard costs a caller.
 */
type Side = 'ours' | 'theirs' | 'stored' | 'guarded' | 'storedFar';

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
    const oursEnv = handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable, dynamodbEndpoint: dynamo.endpoint, alibaba: sandbox });
    const ours = forkWorker(oursScript, { ...oursEnv, FLOW_CONTROL_LIMITS: 'off' }, { cwd: context.tmp });
    const far = await startDelayProxy(sandbox.url, ALIBABA_RTT_MS);
    const guarded = forkWorker(
      oursScript,
      {
        ...handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable, dynamodbEndpoint: dynamo.endpoint, alibaba: { ...sandbox, url: far.url } }),
        FLOW_CONTROL_LIMITS: '1/60,5/3600,20/86400',
      },
      { cwd: context.tmp },
    );
    const theirs = forkWorker(theirsScript, handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable }), { cwd: context.tmp });
    const stored = forkWorker(theirsScript, handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable }), { cwd: context.tmp });
    const storedFar = forkWorker(theirsScript, handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable }), { cwd: context.tmp });
    try {
      await Promise.all([ours.request('load', { bundle: bundle.file }), guarded.request('load', { bundle: bundle.file })]);
      const { keyMode } = await ours.request<{ keyMode: 'none' | 'unique' }>('probe', { body: BODY });
      await guarded.request('probe', { body: BODY });
      // The pop-core loop sends exactly the action parameters our handler sent (sandbox request log).
      const log = await sandbox.control<{ requests: { action: string; params: Record<string, string> }[] }>('GET', 'requests');
      const sent = log.requests.filter((request) => request.action === 'SingleCallByTts').at(-1);
      if (!sent) throw new Error('the sandbox saw no SingleCallByTts from placeCall');
      const init = { endpoint: sandbox.url, accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET, params: sent.params };
      await theirs.request('init', init);
      await stored.request('init', { ...init, store: { endpoint: dynamo.endpoint, table: dynamo.callsTable } });
      await storedFar.request('init', { ...init, endpoint: far.url, store: { endpoint: dynamo.endpoint, table: dynamo.callsTable } });

      context.log(`placing: warm-up ${warmup} each, then ${rounds} alternating rounds of ${perRound} per side, ${CONCURRENCY} in flight`);
      await ours.request('run', { body: BODY, count: warmup, concurrency: CONCURRENCY });
      await guarded.request('run', { body: BODY, count: warmup, concurrency: CONCURRENCY });
      await theirs.request('run', { count: warmup, concurrency: CONCURRENCY });
      await stored.request('run', { count: warmup, concurrency: CONCURRENCY });
      await storedFar.request('run', { count: warmup, concurrency: CONCURRENCY });
      const totals: Record<Side, Totals> = {
        ours: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
        guarded: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
        theirs: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
        stored: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
        storedFar: { count: 0, elapsedMs: 0, failures: 0, latencies: [] },
      };
      const sides: readonly Side[] = ['ours', 'theirs', 'stored', 'guarded', 'storedFar'];
      const workers = { ours, guarded, theirs, stored, storedFar };
      for (let round = 0; round < rounds; round++) {
        // Each round in another order, so that no contender always follows the same one.
        const order = sides.map((_, index) => sides[(index + round) % sides.length]!);
        for (const side of order) {
          // Forget the previous round's calls and nonces: every round starts from the same sandbox state.
          await sandbox.control('POST', 'reset');
          const far = side === 'guarded' || side === 'storedFar';
          const result = await workers[side].request<LoadResult>('run', {
            ...(side === 'ours' || side === 'guarded' ? { body: BODY } : {}),
            // Latency-bound at 4 in flight and 50 ms: a quarter of the calls take as long as the others.
            count: far ? Math.ceil(perRound / 4) : perRound,
            concurrency: far ? FAR_CONCURRENCY : CONCURRENCY,
          });
          add(totals[side], result);
        }
      }

      const rate = (side: Totals) => (side.count / side.elapsedMs) * 1000;
      const latency = (side: Totals, p: number) => (side.latencies.length > 0 ? percentile(side.latencies, p) : undefined);
      const failures = sides
        .filter((side) => totals[side].failures > 0)
        .map((side) => `${side}: ${totals[side].failures} failed (${totals[side].firstError})`);
      const setup =
        `${totals.ours.count} + ${totals.theirs.count} + ${totals.stored.count} SingleCallByTts calls, ${CONCURRENCY} in flight, ${rounds} alternating rounds (ours, pop-core, pop-core + PutItem, and the two guard contenders, rotating) after ${warmup} warm-up each. ` +
        `Ours: the placeCall bundle invoked in process with API Gateway v2 events (iam-auth.json), each call to a number of its own, ${keyMode === 'none' ? 'no Idempotency-Key' : 'a unique Idempotency-Key per request (the handler requires one)'}, FLOW_CONTROL_LIMITS=off unless said; ` +
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
        {
          row: 'placing',
          name: 'Placing calls with the flow-control guard vs pop-core + PutItem',
          value: rate(totals.guarded),
          unit: '/s',
          per: 'calls',
          anchor: { name: `pop-core + one PutItem per call, Alibaba ${ALIBABA_RTT_MS} ms away`, value: rate(totals.storedFar) },
          target: { of: 'ratio', op: '>=', threshold: 0.9 },
          ...failed,
          note:
            `Both with Alibaba ${ALIBABA_RTT_MS} ms away (a delaying proxy before the sandbox, as from a Lambda region), ${totals.guarded.count} calls each, ${FAR_CONCURRENCY} in flight (DynamoDB Local applies writes one at a time: at more, both sides measure it). Ours with the per-number guard on, ` +
            `Alibaba's windows (FLOW_CONTROL_LIMITS=1/60,5/3600,20/86400): a slot taken with one conditional UpdateItem before each call (docs/flow-control.md#how-it-works), then the call item written; ` +
            `the anchor writes only the call item. p50 ${formatMs(latency(totals.guarded, 50))} vs ${formatMs(latency(totals.storedFar, 50))}, p99 ${formatMs(latency(totals.guarded, 99))} vs ${formatMs(latency(totals.storedFar, 99))}.`,
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
          guarded: { count: totals.guarded.count, elapsedMs: totals.guarded.elapsedMs, failures: totals.guarded.failures },
          storedFar: { count: totals.storedFar.count, elapsedMs: totals.storedFar.elapsedMs, failures: totals.storedFar.failures },
          theirs: { count: totals.theirs.count, elapsedMs: totals.theirs.elapsedMs, failures: totals.theirs.failures },
          stored: { count: totals.stored.count, elapsedMs: totals.stored.elapsedMs, failures: totals.stored.failures },
        },
      };
    } finally {
      await Promise.all([ours.stop(), guarded.stop(), theirs.stop(), stored.stop(), storedFar.stop()]);
      await far.close();
      await sandbox.stop();
    }
  },
};

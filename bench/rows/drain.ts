/**
 * Row 5, receipt drain: receipts per second moved from a sandbox MNS backlog into DynamoDB Local
 * by the pollReceipts bundle, against
 *   (a) the ceiling: the same items written raw with BatchWriteItem (25 per request, the store's
 *       requests in flight) into a fresh table of the same DynamoDB Local, and
 *   (b) the official demo loop (pop-core token + @alicloud/mns receive 10 / 3 s wait, one
 *       PutItem and one DeleteMessage per message), on a smaller backlog, compared as rates;
 * plus the poller's peak RSS during the drain, its process run with the NODE_OPTIONS serverless.yml
 * gives pollReceipts (the heap limit it is deployed with). Each contender gets a fresh table and a sandbox
 * reset (empty queues), and runs in a process of its own; the sandbox has its own process too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Row } from '../lib/context.ts';
import type { Figure } from '../lib/figures.ts';
import { forkWorker } from '../lib/processes.ts';
import { dropTable, handlerEnv, sandboxQueues, startSandboxProcess, type SandboxProcess } from '../lib/services.ts';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';

/** The backlog mix of test/integration/receipts/backlog.test.ts: 34% finals, 34% progress states, 32% recordings. */
function backlog(total: number, prefix: string) {
  const calls = Math.round(total * 0.34);
  const recordings = total - 2 * calls;
  const callId = `${prefix}-{n}^9`;
  return [
    {
      messageType: 'VoiceReport',
      count: calls,
      receipts: [
        { call_id: callId, status_code: '200000', smart_status_code: 'ANSWERED', duration: '22', start_time: '2024-01-15 16:30:09', out_id: 'bench-{n}' },
        { call_id: callId, status_code: '200002', smart_status_code: 'USER_BUSY', duration: '0', out_id: 'bench-{n}' },
      ],
    },
    {
      messageType: 'VoiceCallReport',
      count: calls,
      receipts: [
        { call_id: callId, status_code: '200101', status_time: '2024-01-15 16:30:01' },
        { call_id: callId, status_code: '200103', status_time: '2024-01-15 16:30:09', smart_status_code: 'ANSWERED' },
      ],
    },
    {
      messageType: 'VoiceRecordReport',
      count: recordings,
      receipts: [{ call_id: callId, status_code: '200000', duration: 22, record_file: 'https://sandbox-recordings.invalid/{n}.wav' }],
    },
  ];
}

/** Call ids of measured round r are `measured<r>-<n>^9`; the warm-up's are `warmup-<n>^9`. */
const MEASURED_PREFIX = 'measured';
const WARMUP_PREFIX = 'warmup';
/** Alternating measured rounds per contender: DynamoDB Local's speed drifts, and more rounds even it out. */
const ROUNDS = 4;
const QUICK_ROUNDS = 2;

interface CeilingResult {
  items: number;
  receiptItems: number;
  callItems: number;
  requests: number;
  elapsedMs: number;
}

/**
 * Puts `total` messages in the (empty) queues. `reset` first forgets everything the sandbox holds,
 * issued receipt tokens included: not between a warm-up and its measured drain, whose poller keeps
 * its token cache as a warm container would.
 */
async function enqueueBacklog(sandbox: SandboxProcess, total: number, prefix: string, reset = true): Promise<void> {
  if (reset) await sandbox.control('POST', 'reset');
  for (const batch of backlog(total, prefix)) {
    if (batch.count > 0) await sandbox.control('POST', 'messages', batch);
  }
  const queued = (await sandboxQueues(sandbox)).reduce((sum, queue) => sum + queue.visible, 0);
  if (queued !== total) throw new Error(`the sandbox holds ${queued} messages, expected ${total}`);
}

async function leftInQueues(sandbox: SandboxProcess): Promise<number> {
  return (await sandboxQueues(sandbox)).reduce((sum, queue) => sum + queue.visible + queue.inFlight, 0);
}

interface OursResult {
  elapsedMs: number;
  invocations: number;
  totals: { received: number; stored: number; deleted: number; invalid: number; deleteFailures: number; notStored: number };
  error?: string;
  peakRssMb: number;
  rssAfterLoadMb: number;
  /** V8's heap size limit in the worker (what NODE_OPTIONS made of it), MB. */
  heapLimitMb: number;
  /** Peaks of process.memoryUsage() sampled every 250 ms during the drain, in MB. */
  sampledPeakMb: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
}

/**
 * The NODE_OPTIONS serverless.yml gives pollReceipts (its own environment over the provider's), so
 * the measured process runs with the heap settings it is deployed with; undefined when it sets none.
 */
export function deployedNodeOptions(root: string, functionName = 'pollReceipts'): string | undefined {
  type Environment = Record<string, unknown> | undefined;
  const yml = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { provider?: { environment?: Environment }; functions?: Record<string, { environment?: Environment }> };
  const value = yml.functions?.[functionName]?.environment?.NODE_OPTIONS ?? yml.provider?.environment?.NODE_OPTIONS;
  if (value === undefined) return undefined;
  // A ${...} reference is resolved by the framework at deploy time: the bench cannot know its value.
  if (typeof value !== 'string' || value.includes('${')) throw new Error(`serverless.yml ${functionName} NODE_OPTIONS is not a plain string: ${JSON.stringify(value)}`);
  return value;
}

async function storeWriteConcurrency(): Promise<number> {
  // Read from the store at run time, so the ceiling follows the store if its setting changes.
  const store = (await import('#shared/store/receiptStore')) as { DEFAULT_WRITE_CONCURRENCY?: unknown };
  return typeof store.DEFAULT_WRITE_CONCURRENCY === 'number' ? store.DEFAULT_WRITE_CONCURRENCY : 8;
}

export const drainRow: Row = {
  id: 'drain',
  title: 'Receipt drain',
  async run(context) {
    const total = context.quick ? 1_000 : 10_000;
    const demoTotal = context.quick ? 200 : 1_000;
    const warmup = context.quick ? 300 : 10_000;
    const rounds = context.quick ? QUICK_ROUNDS : ROUNDS;
    const [dynamo, bundle, oursScript, ceilingScript, demoScript, concurrency] = await Promise.all([
      context.dynamo(),
      context.bundle('pollReceipts'),
      context.worker('drainOurs'),
      context.worker('ceiling'),
      context.worker('drainDemo'),
      storeWriteConcurrency(),
    ]);
    const sandbox = await startSandboxProcess({ receiptDelayMs: 0 });
    const workers: { stop(): Promise<void> }[] = [];
    try {
      // (1) Ours: the pollReceipts handler, as scheduled, after a warm-up drain in the same process
      // (a warm container; DynamoDB Local's and the sandbox's JIT warmed too). (2) The ceiling: the
      // items ours wrote, raw BatchWriteItem, into a table of its own. DynamoDB Local keeps speeding
      // up for minutes, so the two alternate (ours, ceiling, ours, ceiling) and each rate is over
      // all of its rounds: a steady drift then favours neither.
      const oursTable = await dynamo.freshCallsTable('drain-ours');
      const ceilingTable = await dynamo.freshCallsTable('drain-ceiling');
      const nodeOptions = deployedNodeOptions(context.root);
      const ours = forkWorker(
        oursScript,
        {
          ...handlerEnv({ callsTable: oursTable, idempotencyTable: dynamo.idempotencyTable, dynamodbEndpoint: dynamo.endpoint, alibaba: sandbox, logLevel: 'warn' }),
          ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }),
        },
        { cwd: context.tmp },
      );
      const ceiling = forkWorker(ceilingScript, handlerEnv({ callsTable: ceilingTable, idempotencyTable: dynamo.idempotencyTable }), { cwd: context.tmp });
      workers.push(ours, ceiling);
      await ours.request('load', { bundle: bundle.file });
      await enqueueBacklog(sandbox, warmup, WARMUP_PREFIX);
      context.log(`drain: warm-up drain of ${warmup.toLocaleString('en-US')} messages`);
      const warm = await ours.request<OursResult>('drain', { expected: warmup, maxInvocations: 3, lambdaMs: 55_000 }, 300_000);
      if (warm.error || warm.totals.deleted !== warmup) throw new Error(`the warm-up drain did not finish: ${JSON.stringify(warm.totals)} ${warm.error ?? ''}`);
      // The ceiling warms up too, on the same items: neither contender's first round pays for it.
      await ceiling.request<CeilingResult>('run', { endpoint: dynamo.endpoint, source: oursTable, target: ceilingTable, concurrency, pkPrefix: `CALL#${WARMUP_PREFIX}-` }, 300_000);

      const oursRounds: (OursResult & { left: number })[] = [];
      const ceilingRounds: CeilingResult[] = [];
      for (let round = 1; round <= rounds; round++) {
        const prefix = `${MEASURED_PREFIX}${round}`;
        await enqueueBacklog(sandbox, total, prefix, false);
        context.log(`drain: round ${round}/${rounds}, pollReceipts on ${total.toLocaleString('en-US')} messages, then the raw BatchWriteItem ceiling (${concurrency} in flight)`);
        const result = await ours.request<OursResult>('drain', { expected: total, maxInvocations: 5, lambdaMs: 55_000 }, 300_000);
        oursRounds.push({ ...result, left: await leftInQueues(sandbox) });
        ceilingRounds.push(
          await ceiling.request<CeilingResult>('run', { endpoint: dynamo.endpoint, source: oursTable, target: ceilingTable, concurrency, pkPrefix: `CALL#${prefix}-` }, 300_000),
        );
      }
      await Promise.all([ours.stop(), ceiling.stop()]);
      await dropTable(dynamo, ceilingTable);
      await dropTable(dynamo, oursTable);
      const sum = <T>(rounds: T[], pick: (round: T) => number) => rounds.reduce((total, round) => total + pick(round), 0);
      const oursResult = {
        stored: sum(oursRounds, (round) => round.totals.stored),
        deleted: sum(oursRounds, (round) => round.totals.deleted),
        elapsedMs: sum(oursRounds, (round) => round.elapsedMs),
        invocations: sum(oursRounds, (round) => round.invocations),
        left: oursRounds.at(-1)!.left,
        error: oursRounds.find((round) => round.error)?.error,
        // The worker's maxRSS covers its whole life: the last round's value is the peak of all.
        peakRssMb: oursRounds.at(-1)!.peakRssMb,
        rssAfterLoadMb: oursRounds.at(-1)!.rssAfterLoadMb,
        heapLimitMb: oursRounds.at(-1)!.heapLimitMb,
        sampledPeakMb: oursRounds.at(-1)!.sampledPeakMb,
      };
      const ceilingResult = {
        items: sum(ceilingRounds, (round) => round.items),
        receiptItems: sum(ceilingRounds, (round) => round.receiptItems),
        callItems: ceilingRounds[0]!.callItems,
        requests: sum(ceilingRounds, (round) => round.requests),
        elapsedMs: sum(ceilingRounds, (round) => round.elapsedMs),
      };

      // (3) The official demo loop on a smaller backlog of the same mix.
      const demoTable = await dynamo.freshCallsTable('drain-demo');
      await enqueueBacklog(sandbox, demoTotal, 'demo');
      context.log(`drain: official demo loop on ${demoTotal.toLocaleString('en-US')} messages`);
      const demo = forkWorker(demoScript, handlerEnv({ callsTable: demoTable, idempotencyTable: dynamo.idempotencyTable }), { cwd: context.tmp });
      workers.push(demo);
      const queues = Object.fromEntries((await sandboxQueues(sandbox)).map((queue) => [queue.messageType, queue.name]));
      // The demo gets the same warm services: its run comes after ours and the ceiling.
      const demoResult = await demo.request<{ processed: number; elapsedMs: number; peakRssMb: number }>(
        'drain',
        { endpoint: sandbox.url, mnsEndpoint: sandbox.mnsUrl, accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET, dynamodbEndpoint: dynamo.endpoint, table: demoTable, queues },
        300_000,
      );
      await demo.stop();
      await dropTable(dynamo, demoTable);

      const oursRate = (oursResult.stored / oursResult.elapsedMs) * 1000;
      // The ceiling writes every item ours wrote for those receipts (receipt items, call items if any); its rate is in receipts.
      const ceilingRate = (ceilingResult.receiptItems / ceilingResult.elapsedMs) * 1000;
      const demoRate = (demoResult.processed / demoResult.elapsedMs) * 1000;
      const expected = rounds * total;
      const complete = oursResult.stored === expected && oursResult.deleted === expected && oursResult.left === 0 && !oursResult.error;
      const oursProblem = complete
        ? ''
        : ` INCOMPLETE: stored ${oursResult.stored}, deleted ${oursResult.deleted} of ${expected}, ${oursResult.left} left in the queues${oursResult.error ? `, error ${oursResult.error}` : ''}.`;
      const oursSummary =
        `${rounds} rounds of ${total.toLocaleString('en-US')} messages (VoiceReport 34%, VoiceCallReport 34%, VoiceRecordReport 32%; ${backlog(total, '').find((batch) => batch.messageType === 'VoiceReport')!.count.toLocaleString('en-US')} calls each) ` +
        `drained by the pollReceipts bundle in ${oursRounds.map((round) => `${(round.elapsedMs / 1000).toFixed(1)} s`).join(', ')} ` +
        `(${oursResult.invocations} invocations in all): receive, decode, BatchWriteItem receipts, BatchDeleteMessage ` +
        `(a call's status is derived from its receipts when read, and projected onto the call item from the table's stream by processCallChanges, off this path).${oursProblem}`;
      // A drain that did not move every message has no meaningful rate: the table shows why instead.
      const incomplete = complete ? {} : { error: oursProblem.trim() };
      const figures: Figure[] = [
        {
          row: 'drain',
          name: 'Receipt drain vs raw-write ceiling',
          value: oursRate,
          unit: '/s',
          per: 'receipts',
          anchor: { name: `raw BatchWriteItem ×${concurrency}`, value: ceilingRate },
          target: { of: 'ratio', op: '>=', threshold: 0.6 },
          ...incomplete,
          note:
            `${oursSummary} Ceiling, after each of ours: the items ours wrote (${ceilingResult.items.toLocaleString('en-US')} in all, ${ceilingResult.callItems > 0 ? `${ceilingResult.callItems.toLocaleString('en-US')} of them call items` : 'receipt items only'}) written raw, ` +
            `25 per BatchWriteItem (${ceilingResult.requests} requests), ${concurrency} in flight (the store's DEFAULT_WRITE_CONCURRENCY), into a table of its own in the same DynamoDB Local, ` +
            `in ${ceilingRounds.map((round) => `${(round.elapsedMs / 1000).toFixed(1)} s`).join(', ')}.`,
        },
        {
          row: 'drain',
          name: 'Receipt drain vs official demo loop',
          value: oursRate,
          unit: '/s',
          per: 'receipts',
          anchor: { name: 'pop-core + @alicloud/mns loop', value: demoRate },
          target: { of: 'ratio', op: '>=', threshold: 5 },
          ...incomplete,
          note:
            `Demo loop measured once, after ours and the ceiling (the warmest DynamoDB Local of the three), on ${demoResult.processed.toLocaleString('en-US')} messages of the same mix (not ${total.toLocaleString('en-US')}: ` +
            'one message at a time, that would take minutes on a slower machine) and compared as a rate: ' +
            `one loop per queue, batchReceiveMessage(10, wait 3 s), then per message one PutItem and one DeleteMessage; clock stopped at the last delete (its final empty 3 s poll not counted).`,
        },
        {
          row: 'drain',
          name: 'Poller peak RSS during the drain',
          value: oursResult.peakRssMb,
          unit: 'MB',
          anchor: { name: 'demo loop process', value: demoResult.peakRssMb },
          target: { of: 'value', op: '<=', threshold: 128 },
          note:
            `process.resourceUsage().maxRSS of the process running the pollReceipts bundle over its life (load, a ${warmup.toLocaleString('en-US')}-message warm-up drain, the ${rounds} measured drains), as a warm Lambda container, ` +
            `${nodeOptions === undefined ? 'with no NODE_OPTIONS (serverless.yml sets none for pollReceipts)' : `with NODE_OPTIONS=${nodeOptions} as serverless.yml deploys it`} (V8 heap limit ${oursResult.heapLimitMb.toFixed(0)} MB); ` +
            `${oursResult.rssAfterLoadMb.toFixed(1)} MB after loading. Sampled peaks during the last measured drain: V8 heap ${oursResult.sampledPeakMb.heapUsed.toFixed(1)} MB used of ${oursResult.sampledPeakMb.heapTotal.toFixed(1)} MB, ` +
            `external ${oursResult.sampledPeakMb.external.toFixed(1)} MB (array buffers ${oursResult.sampledPeakMb.arrayBuffers.toFixed(1)} MB). The backlog itself lives in the sandbox process.`,
        },
      ];
      return {
        figures,
        data: { total, rounds, warmup, demoTotal, concurrency, nodeOptions: nodeOptions ?? null, ours: oursResult, oursRounds, ceiling: ceilingResult, ceilingRounds, demo: demoResult },
      };
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
      await sandbox.stop();
    }
  },
};

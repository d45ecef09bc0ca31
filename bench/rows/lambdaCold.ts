/**
 * Row 6, cold start to first answer, measured the way Lambda runs it: each sample is a fresh
 * process that loads one bundle at full speed (Lambda's init runs at a full vCPU), then answers its
 * first event with its CPU held to the function's memory share of one vCPU (memory / 1,769 MB:
 * 256 MB is 14.5%; bench/lib/cpuShare.ts holds it with a cgroup CPU quota), against the Alibaba
 * sandbox 50 ms away (bench/lib/delayProxy.ts) and DynamoDB Local. The figure is the load time
 * plus the first invocation's time; Node's own start is left out on both sides.
 *
 * Each function that calls Alibaba, and pushReceipts (Alibaba waits only 700 ms for its answer), is
 * compared with a like-for-like anchor: the same work written with the official clients
 * (`@alicloud/pop-core`, `@alicloud/mns`, `@aws-sdk/client-dynamodb`, bench/anchors/likeForLike/),
 * bundled the same way and run the same way. Samples alternate between the two sides, the order
 * rotating every round.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { httpEvent } from '../../test/support/apiGatewayEvents.ts';
import { voiceReport } from '../../test/support/receiptBodies.ts';
import { eventBridgeEvent, sqsEvent } from '../../test/support/triggerEvents.ts';
import { LIKE_FOR_LIKE, type BenchContext, type Row } from '../lib/context.ts';
import { createCpuShare, lambdaCpuShare, PERIOD_US, type CpuShare } from '../lib/cpuShare.ts';
import { startDelayProxy } from '../lib/delayProxy.ts';
import type { Figure } from '../lib/figures.ts';
import { forkWorker } from '../lib/processes.ts';
import { handlerEnv, startSandboxProcess, type LocalDynamo, type SandboxProcess } from '../lib/services.ts';
import { median, percentile } from '../lib/stats.ts';
import { formatValue } from '../lib/table.ts';

/** Alibaba's round trip from a Lambda, as the issue measured it. */
export const ALIBABA_RTT_MS = 50;
/** The template's memory when a function sets none (provider.memorySize). */
const DEFAULT_MEMORY_MB = 256;
const PUSH_TOKEN = 'bench-push-token';
const QUEUE = 'Alicom-Queue-0000000000-VoiceReport';
/** The functions measured at other memory sizes too (full runs), the evidence for their memorySize. */
const SWEEP: Readonly<Record<string, readonly number[]>> = { pushReceipts: [128, 256, 512, 1024], placeCall: [256, 512, 1024] };
/** Receipts per poll and per push sample: one MNS batch. */
const RECEIPTS = 10;
/**
 * A call to a number of its own each time: the functions run with the per-number flow-control guard
 * on, as deployed (docs/flow-control.md), and a number called again within a minute is refused.
 */
let placed = 0;
const placeBody = () => ({ type: 'tts', calledNumber: `138${String(placed++).padStart(8, '0')}`, ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } });

interface Sample {
  loadMs: number;
  invokeMs: number;
  loadCpuMs: number;
  invokeCpuMs: number;
}

interface Case {
  fn: string;
  /** What the anchor does, for the note. */
  work: string;
  /** The event of one sample (fresh ids every time). */
  event(fixture: Fixture): unknown;
  /** Throws unless the answer is a success. */
  check(result: unknown): void;
  /** Runs before each sample, outside the clock (queue a batch of receipts). */
  before?(fixture: Fixture): Promise<void>;
}

interface Fixture {
  sandbox: SandboxProcess;
  /** A call placed (and stored) by our placeCall at setup. */
  callId: string;
}

function httpOk(result: unknown): void {
  const status = (result as { statusCode?: number } | null)?.statusCode;
  if (typeof status !== 'number' || status < 200 || status > 299) throw new Error(`answered ${JSON.stringify(result).slice(0, 400)}`);
}

function noBatchFailures(result: unknown): void {
  const failures = (result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length > 0) throw new Error(`answered ${JSON.stringify(result).slice(0, 400)}`);
}

const CASES: readonly Case[] = [
  {
    fn: 'placeCall',
    work: 'one SingleCallByTts, one PutItem (ours also takes the number\'s flow-control slot, one conditional UpdateItem, as deployed)',
    event: () => httpEvent({ method: 'POST', route: '/calls', body: placeBody() }),
    check: httpOk,
  },
  {
    fn: 'placeCallsFromQueue',
    work: 'one SingleCallByTts, one PutItem (ours also claims and completes the message id in the idempotency table and takes the number\'s flow-control slot)',
    event: () => sqsEvent([{ body: placeBody() }]),
    check: noBatchFailures,
  },
  {
    fn: 'placeCallFromEvent',
    work: 'one SingleCallByTts, one PutItem (ours also claims and completes the event id in the idempotency table and takes the number\'s flow-control slot)',
    event: () => eventBridgeEvent({ detail: placeBody() }),
    check: () => undefined,
  },
  {
    fn: 'cancelCall',
    work: 'one CancelCall',
    event: ({ callId }) => httpEvent({ method: 'POST', route: '/calls/{callId}/cancel', path: `/calls/${encodeURIComponent(callId)}/cancel`, pathParameters: { callId } }),
    check: httpOk,
  },
  {
    fn: 'getCall',
    work: 'one Query of the call, one QueryCallDetailByCallId (live=true)',
    event: ({ callId }) =>
      httpEvent({ method: 'GET', route: '/calls/{callId}', path: `/calls/${encodeURIComponent(callId)}`, pathParameters: { callId }, query: { live: 'true' } }),
    check: httpOk,
  },
  {
    fn: 'pollReceipts',
    work: `QueryTokenForMnsQueue, one MNS receive of ${RECEIPTS} receipts, one BatchWriteItem, one BatchDeleteMessage (ours then receives once more and finds the queue empty)`,
    before: async ({ sandbox, callId }) => {
      await sandbox.control('POST', 'messages', { queue: QUEUE, receipts: [voiceReport(callId, { out_id: 'bench-{n}' })], count: RECEIPTS });
    },
    event: () => ({ version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }),
    check: (result) => {
      const text = JSON.stringify(result);
      if (!/"stored":\s*[1-9]/.test(text)) throw new Error(`stored nothing: ${text.slice(0, 400)}`);
    },
  },
  {
    fn: 'pushReceipts',
    work: `the token check, then one BatchWriteItem of ${RECEIPTS} receipts`,
    event: ({ callId }) =>
      httpEvent({
        method: 'POST',
        route: '/receipts/{messageType}',
        path: '/receipts/VoiceReport',
        pathParameters: { messageType: 'VoiceReport' },
        query: { token: PUSH_TOKEN },
        body: Array.from({ length: RECEIPTS }, (_, index) => voiceReport(callId, { out_id: `push-${index}`, end_time: `2024-01-15 16:30:${String(index + 10)}` })),
      }),
    check: httpOk,
  },
];

/** Each function's memorySize in serverless.yml (the provider's when it sets none). */
export function memoryByFunction(root: string): Map<string, number> {
  const yml = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as {
    provider?: { memorySize?: number };
    functions?: Record<string, { memorySize?: number }>;
  };
  const fallback = yml.provider?.memorySize ?? DEFAULT_MEMORY_MB;
  return new Map(Object.entries(yml.functions ?? {}).map(([name, fn]) => [name, fn.memorySize ?? fallback]));
}

interface Runner {
  /** One cold start of `bundle` answering `event`, held to `share` after loading. */
  sample(bundle: string, event: unknown, share: CpuShare | undefined, check: (result: unknown) => void): Promise<Sample>;
}

function runner(context: BenchContext, script: string, env: NodeJS.ProcessEnv): Runner {
  return {
    async sample(bundle, event, share, check) {
      const worker = forkWorker(script, env, { cwd: context.tmp });
      try {
        const loaded = await worker.request<{ loadMs: number; loadCpuMs: number }>('load', { bundle, event, remainingMs: 10_000 }, 30_000);
        if (share) share.hold(worker.child.pid!);
        const answered = await worker.request<{ invokeMs: number; invokeCpuMs: number; result: unknown }>('invoke', undefined, 30_000);
        check(answered.result);
        return { loadMs: loaded.loadMs, loadCpuMs: loaded.loadCpuMs, invokeMs: answered.invokeMs, invokeCpuMs: answered.invokeCpuMs };
      } finally {
        await worker.stop();
      }
    },
  };
}

const total = (sample: Sample) => sample.loadMs + sample.invokeMs;

function summary(samples: readonly Sample[]) {
  return {
    median: median(samples.map(total)),
    p90: percentile(samples.map(total), 90),
    max: Math.max(...samples.map(total)),
    loadMs: median(samples.map((sample) => sample.loadMs)),
    invokeMs: median(samples.map((sample) => sample.invokeMs)),
    loadCpuMs: median(samples.map((sample) => sample.loadCpuMs)),
    invokeCpuMs: median(samples.map((sample) => sample.invokeCpuMs)),
  };
}

async function placeOneCall(context: BenchContext, run: Runner): Promise<string> {
  const bundle = (await context.bundle('placeCall')).file;
  let callId: string | undefined;
  await run.sample(bundle, httpEvent({ method: 'POST', route: '/calls', body: placeBody() }), undefined, (result) => {
    httpOk(result);
    callId = (JSON.parse((result as { body: string }).body) as { callId: string }).callId;
  });
  return callId!;
}

export const lambdaColdRow: Row = {
  id: 'lambda',
  title: 'Cold start, the Lambda way',
  async run(context) {
    const runs = context.quick ? 3 : 10;
    const memory = memoryByFunction(context.root);
    const cases = CASES.filter((entry) => memory.has(entry.fn) && LIKE_FOR_LIKE[entry.fn] !== undefined);
    const [dynamo, script] = await Promise.all([context.dynamo(), context.worker('lambdaCold')]);
    const bundles = new Map<string, string>();
    for (const name of new Set([...cases.flatMap((entry) => [entry.fn, LIKE_FOR_LIKE[entry.fn]!]), 'popCore'])) bundles.set(name, (await context.bundle(name)).file);

    const sandbox = await startSandboxProcess({ receiptDelayMs: 3_600_000 });
    const shares = new Map<number, CpuShare>();
    try {
      const [rpc, mns] = await Promise.all([startDelayProxy(sandbox.url, ALIBABA_RTT_MS), startDelayProxy(sandbox.mnsUrl, ALIBABA_RTT_MS)]);
      const env = lambdaEnv(dynamo, { url: rpc.url, mnsUrl: mns.url });
      const run = runner(context, script, env);
      const fixture: Fixture = { sandbox, callId: await placeOneCall(context, run) };
      const shareFor = (memoryMb: number) => {
        let share = shares.get(memoryMb);
        if (!share) {
          share = createCpuShare(lambdaCpuShare(memoryMb), `lambda-${memoryMb}`);
          shares.set(memoryMb, share);
        }
        return share;
      };

      type Side = 'ours' | 'anchor' | 'popCore';
      const samples = new Map<string, Record<Side, Sample[]>>(cases.map((entry) => [entry.fn, { ours: [], anchor: [], popCore: [] }]));
      const failures = new Map<string, string>();
      context.log(`lambda: ${runs} cold starts per side of ${cases.map((entry) => `${entry.fn} (${memory.get(entry.fn)} MB)`).join(', ')}; Alibaba ${ALIBABA_RTT_MS} ms away; CPU held by ${shareFor(DEFAULT_MEMORY_MB).method}`);
      for (let round = 0; round < runs; round++) {
        for (const entry of cases) {
          if (failures.has(entry.fn)) continue;
          const share = shareFor(memory.get(entry.fn)!);
          const sides: Side[] = entry.fn === 'placeCall' ? ['ours', 'anchor', 'popCore'] : ['ours', 'anchor'];
          const order = sides.map((_, index) => sides[(index + round) % sides.length]!);
          try {
            for (const side of order) {
              await entry.before?.(fixture);
              const result =
                side === 'popCore'
                  ? await run.sample(bundles.get('popCore')!, (({ calledNumber, ttsCode }) => ({ calledNumber, ttsCode }))(placeBody()), share, () => undefined)
                  : await run.sample(bundles.get(side === 'ours' ? entry.fn : LIKE_FOR_LIKE[entry.fn]!)!, entry.event(fixture), share, entry.check);
              samples.get(entry.fn)![side].push(result);
            }
          } catch (error) {
            failures.set(entry.fn, error instanceof Error ? error.message : String(error));
          }
        }
      }

      // Memory sweep (full runs): ours alone at each size, for the choice of memorySize.
      const sweep: Record<string, Record<number, ReturnType<typeof summary>>> = {};
      const details: string[] = [];
      if (!context.quick) {
        const sweepRuns = 5;
        context.log(`lambda: memory sweep, ${sweepRuns} cold starts of ${Object.entries(SWEEP).map(([fn, sizes]) => `${fn} at ${sizes.join('/')} MB`).join(', ')}`);
        for (const [fn, sizes] of Object.entries(SWEEP)) {
          const entry = cases.find((candidate) => candidate.fn === fn);
          if (!entry || failures.has(fn)) continue;
          sweep[fn] = {};
          for (const memoryMb of sizes) {
            const runs: Sample[] = [];
            for (let index = 0; index < sweepRuns; index++) {
              await entry.before?.(fixture);
              runs.push(await run.sample(bundles.get(fn)!, entry.event(fixture), shareFor(memoryMb), entry.check));
            }
            sweep[fn]![memoryMb] = summary(runs);
          }
          details.push(
            `${fn}, cold start to first answer by memory (median / worst of ${sweepRuns}): ` +
              sizes.map((memoryMb) => `${memoryMb} MB ${formatValue(sweep[fn]![memoryMb]!.median, 'ms')} / ${formatValue(sweep[fn]![memoryMb]!.max, 'ms')}`).join(', ') +
              '.',
          );
        }
      }

      const figures: Figure[] = [];
      const data: Record<string, unknown> = { runs, rttMs: ALIBABA_RTT_MS, method: shareFor(DEFAULT_MEMORY_MB).method, periodUs: PERIOD_US, functions: {}, sweep };
      for (const entry of cases) {
        const memoryMb = memory.get(entry.fn)!;
        const sides = samples.get(entry.fn)!;
        const error = failures.get(entry.fn);
        const ours = sides.ours.length > 0 ? summary(sides.ours) : undefined;
        const anchor = sides.anchor.length > 0 ? summary(sides.anchor) : undefined;
        (data.functions as Record<string, unknown>)[entry.fn] = { memoryMb, ours, anchor, samples: sides };
        const parts = (side: ReturnType<typeof summary> | undefined) =>
          side ? `${formatValue(side.loadMs, 'ms')} loading + ${formatValue(side.invokeMs, 'ms')} first invocation (CPU ${formatValue(side.loadCpuMs, 'ms')} + ${formatValue(side.invokeCpuMs, 'ms')}), worst ${formatValue(side.max, 'ms')}` : 'n/a';
        figures.push({
          row: 'lambda',
          name: `Cold start to first answer ${entry.fn} (${memoryMb} MB) [like for like]`,
          value: ours?.median,
          unit: 'ms',
          anchor: { name: 'official clients, same work', value: anchor?.median },
          spread: { label: 'p90', ours: ours?.p90, anchor: anchor?.p90 },
          target: { of: 'ratio', op: '<=', threshold: 0.8 },
          note:
            `${entry.work}. Median of ${sides.ours.length} fresh processes each: ours ${parts(ours)}; anchor ${parts(anchor)}.` +
            (entry.fn === 'placeCall'
              ? ` Each sample: a fresh \`node\` imports the bundle at full speed (module scope and top-level await: Lambda's init), then answers one event held to ${memoryMb}/1,769 of a CPU ` +
                `(${shareFor(memoryMb).method}, ${PERIOD_US / 1000} ms period); Alibaba is the sandbox behind a proxy ${ALIBABA_RTT_MS} ms away (a new connection's handshake one round trip, no TLS), DynamoDB Local on the same machine. ` +
                `Anchors in bench/anchors/likeForLike/, bundled the same way.`
              : ''),
          ...(error ? { error } : {}),
        });
        if (entry.fn === 'placeCall' && sides.popCore.length > 0) {
          const popCore = summary(sides.popCore);
          figures.push({
            row: 'lambda',
            name: `Cold start to first answer placeCall (${memoryMb} MB) vs pop-core alone`,
            value: ours?.median,
            unit: 'ms',
            anchor: { name: 'pop-core alone (no store)', value: popCore.median },
            spread: { label: 'p90', ours: ours?.p90, anchor: popCore.p90 },
          });
        }
      }
      return { figures, data, details };
    } finally {
      for (const share of shares.values()) share.close();
      await sandbox.stop();
    }
  },
};

/** What the functions read at cold start, pointed at the delayed sandbox and DynamoDB Local. */
function lambdaEnv(dynamo: LocalDynamo, alibaba: { url: string; mnsUrl: string }): NodeJS.ProcessEnv {
  return {
    ...handlerEnv({ callsTable: dynamo.callsTable, idempotencyTable: dynamo.idempotencyTable, dynamodbEndpoint: dynamo.endpoint, alibaba }),
    RECEIPT_QUEUES: `VoiceReport=${QUEUE}`,
    RECEIPT_PUSH_TOKEN: PUSH_TOKEN,
    // As in a Lambda container (the functions' init warm-up runs only there), with serverless-offline's
    // IS_OFFLINE so that the local endpoints above are accepted.
    AWS_LAMBDA_FUNCTION_NAME: 'aliyun-voice-bench',
    IS_OFFLINE: 'true',
  };
}

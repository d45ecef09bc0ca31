/**
 * Row 3, signing throughput: signatures per second of shared/signing (V1, V3, MNS) against the
 * official signers on the test-vector inputs of docs/alibaba/signatures.md, after a correctness check on each pair.
 * Runs in a worker process of its own (bench/workers/signing.ts explains each official path).
 */
import type { Row } from '../lib/context.ts';
import type { Figure, Target } from '../lib/figures.ts';
import { forkWorker } from '../lib/processes.ts';
import { baseEnv } from '../lib/services.ts';
import type { PairResult } from '../workers/signing.ts';

const TARGET: Target = { of: 'ratio', op: '>=', threshold: 2 };

const PAIRS: Readonly<Record<string, { name: string; anchor: string; note: string }>> = {
  'v1-popcore': {
    name: 'Signing V1 (rpcV1, signRpcV1)',
    anchor: 'pop-core 1.8 RPCClient signing path',
    note: 'docs/alibaba/signatures.md#rpc-signature-v1 Vector A (SingleCallByTts, POST). Both sides build the common parameters with a fresh nonce and timestamp, sign, and produce the signed form body; pop-core runs its own module-private normalize/canonicalize/encode + kitx.sha1 from lib/rpc.js, checked equal to its real request() body.',
  },
  'v1-openapi': {
    name: 'Signing V1 (rpcV1) vs Tea SDK',
    anchor: 'openapi-util 0.3 getRPCSignature',
    note: 'docs/alibaba/signatures.md#rpc-signature-v1 Vector A. Theirs: the query openapi-client doRPCRequest builds + getRPCSignature (signature only); ours: signRpcV1 (signature and the whole signed body).',
  },
  'v3-openapi': {
    name: 'Signing V3 (rpcV3, signRpcV3)',
    anchor: 'openapi-util 0.3 getAuthorization',
    note: 'docs/alibaba/signatures.md#rpc-signature-v3 vector (SingleCallByTts, empty body). Theirs: the x-acs-* headers, payload hash and getAuthorization as openapi-client doRequest computes them; ours: signRpcV3 (all headers + Authorization).',
  },
  mns: {
    name: 'Signing MNS (signMnsRequest)',
    anchor: '@alicloud/mns 1.2 buildHeaders',
    note: 'docs/alibaba/signatures.md#mns-signature "Minimal BatchReceive" (STS key). Both build the Date and x-mns-* headers and the Authorization for a BatchReceiveMessage GET.',
  },
};

export const signingRow: Row = {
  id: 'signing',
  title: 'Signing throughput',
  async run(context) {
    const script = await context.worker('signing');
    const worker = forkWorker(script, baseEnv({ BENCH_ROOT: context.root }), { cwd: context.root });
    const timing = context.quick ? { warmupMs: 150, sliceMs: 150, slices: 2 } : { warmupMs: 500, sliceMs: 250, slices: 6 };
    context.log(`signing: ${timing.slices} × ${timing.sliceMs} ms per side per pair, alternating`);
    try {
      const results = await worker.request<PairResult[]>('measure', timing, 120_000);
      const figures: Figure[] = results.map((result) => {
        const pair = PAIRS[result.name] ?? { name: result.name, anchor: 'official', note: '' };
        const perSide = `${((timing.slices * timing.sliceMs) / 1000).toFixed(1)} s per side after ${timing.warmupMs} ms warm-up, alternating`;
        return {
          row: 'signing',
          name: pair.name,
          value: result.ours,
          unit: '/s',
          per: 'sig',
          anchor: { name: pair.anchor, value: result.theirs },
          target: TARGET,
          note: `${pair.note} Same signature checked before timing; ${perSide}.`,
          ...(result.error ? { error: result.error } : {}),
        };
      });
      return { figures };
    } finally {
      await worker.stop();
    }
  },
};

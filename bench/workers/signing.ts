/**
 * Signing throughput, ours against Alibaba's own Node signers, in a process of its own.
 *
 * Inputs are the test vectors of docs/alibaba/signatures.md (V1 Vector A, the V3 vector, the
 * minimal MNS BatchReceive). Before any timing, each pair must produce the documented signature on
 * the vector with the nonce and time fixed; a pair that disagrees is reported and not timed.
 *
 * The official implementations run from node_modules exactly as installed (required at run time,
 * not bundled):
 * - `@alicloud/pop-core` 1.8.0 has no signing export: it is inlined in `RPCClient#request`
 *   (lib/rpc.js). Its own module-private helpers (normalize, canonicalize, encode, timestamp, and
 *   kitx) are reached by compiling lib/rpc.js with one extra export line, and run in the order
 *   `request()` runs them. The check also runs the real `request()` (HTTP stubbed) and requires
 *   the same body, so what is timed is pop-core's path and nothing else.
 * - `@alicloud/openapi-util` 0.3.3 `getRPCSignature` (V1) and `getAuthorization` (V3), with the
 *   query / headers / payload hash `@alicloud/openapi-client` 0.4.15 builds around them.
 * - `@alicloud/mns` 1.2.0 `Client#buildHeaders` (date, x-mns-* headers, `sign`).
 * Every timed call on both sides makes a fresh nonce and timestamp, as a real request does.
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mnsSignature, mnsStringToSign, rpcV1Signature, signMnsRequest, signRpcV1, signRpcV3 } from '#shared/signing/index';
import { serveWorker } from '../lib/workerProtocol.ts';

const root = process.env.BENCH_ROOT;
if (!root) throw new Error('BENCH_ROOT is required');
const requireFromRoot = createRequire(join(root, 'package.json'));

// ---------------------------------------------------------------------------------------------
// Spec vectors

const VERSION = '2017-05-25';
const NONCE = '1f3b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const TIMESTAMP = '2024-01-15T08:30:00Z';
const TEST_KEY = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
/** docs/alibaba/signatures.md#rpc-signature-v1 Vector A: SingleCallByTts action parameters. */
const VECTOR_A_PARAMS: Record<string, string> = {
  CalledNumber: '13800138000',
  CalledShowNumber: '057100000000',
  OutId: 'order-001',
  PlayTimes: '2',
  RegionId: 'cn-hangzhou',
  Speed: '0',
  TtsCode: 'TTS_123456789',
  TtsParam: '{"code":"1234","name":"张三 *~!"}',
  Volume: '100',
};
const VECTOR_A_POST_SIGNATURE = 'LLZElbeCmdr9Sxz1q0sc+yMdJs0=';
/** docs/alibaba/signatures.md#rpc-signature-v3: the V3 vector's query is Vector A's action parameters without RegionId. */
const V3_QUERY: Record<string, string> = Object.fromEntries(Object.entries(VECTOR_A_PARAMS).filter(([name]) => name !== 'RegionId'));
const V3_HOST = 'dyvmsapi.aliyuncs.com';
const V3_NONCE = '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf';
const V3_SIGNATURE = 'a9ab494bf3d5597110d20a2ef67903127632f7814759c27f57859382d24648fa';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** docs/alibaba/signatures.md#mns-signature "Minimal BatchReceive" and the same request as @alicloud/mns sends it (x-mns-date). */
const MNS_KEY = { accessKeyId: 'STS.testid', accessKeySecret: 'testsecret', securityToken: 'CAISexampleSecurityToken+/=' };
const MNS_RESOURCE = '/queues/Alicom-Queue-1234567890-VoiceReport/messages?numOfMessages=16&waitseconds=30';
const MNS_DATE = 'Mon, 15 Jan 2024 08:30:00 GMT';
const MNS_SIGNATURE = 'VQxOkvXZNxsYM5iUoUijd0eAWEU=';
const MNS_SIGNATURE_WITH_MNS_DATE = 'VILuQY6HqhR5os0H/vIhEe/3bAM=';

// ---------------------------------------------------------------------------------------------
// The official signers

interface PopCoreInternals {
  normalize(params: Record<string, string>): [string, string][];
  canonicalize(normalized: [string, string][]): string;
  encode(text: string): string;
  timestamp(): string;
  kitx: { sha1(text: string, key: string, encoding: 'base64'): string; makeNonce(): string };
}

/** pop-core's module-private signing helpers, from its own lib/rpc.js. */
function popCoreInternals(): PopCoreInternals {
  const file = requireFromRoot.resolve('@alicloud/pop-core/lib/rpc.js');
  const ModuleClass = Module as unknown as {
    new (id: string, parent?: unknown): { filename: string; paths: string[]; exports: any; _compile(source: string, file: string): void };
    _nodeModulePaths(dir: string): string[];
  };
  const compiled = new ModuleClass(file);
  compiled.filename = file;
  compiled.paths = ModuleClass._nodeModulePaths(dirname(file));
  const source = readFileSync(file, 'utf8');
  compiled._compile(`${source}\n;module.exports.__benchInternals = { normalize, canonicalize, encode, timestamp, kitx };\n`, file);
  return compiled.exports.__benchInternals as PopCoreInternals;
}

/** Exactly the lines of pop-core's RPCClient#request from "compose params" to the POST body. */
function popCoreSignedBody(pop: PopCoreInternals, action: string, params: Record<string, string>, key: { accessKeyId: string; accessKeySecret: string }): string {
  const defaultParams: Record<string, string> = {
    Format: 'JSON',
    Timestamp: pop.timestamp(),
    Version: VERSION,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: pop.kitx.makeNonce(),
    AccessKeyId: key.accessKeyId,
  };
  const all = Object.assign({ Action: action }, defaultParams, params);
  const normalized = pop.normalize(all);
  const canonicalized = pop.canonicalize(normalized);
  const stringToSign = `POST&${pop.encode('/')}&${pop.encode(canonicalized)}`;
  const signature = pop.kitx.sha1(stringToSign, `${key.accessKeySecret}&`, 'base64');
  normalized.push(['Signature', pop.encode(signature)]);
  return pop.canonicalize(normalized);
}

/** The body the real pop-core `request()` is about to send (httpx stubbed: no network). */
async function popCoreRequestBody(action: string, params: Record<string, string>): Promise<string> {
  const RPCClient = requireFromRoot('@alicloud/pop-core') as new (config: object) => { request(action: string, params: object, opts: object): Promise<unknown> };
  const httpx = createRequire(requireFromRoot.resolve('@alicloud/pop-core'))('httpx') as { request: (url: string, opts: { data?: string }) => Promise<unknown> };
  const original = httpx.request;
  let body: string | undefined;
  httpx.request = (_url, opts) => {
    body = opts.data;
    throw new Error('captured');
  };
  try {
    await new RPCClient({ endpoint: 'https://dyvmsapi.aliyuncs.com', apiVersion: VERSION, ...TEST_KEY })
      .request(action, params, { method: 'POST', formatAction: false, formatParams: false })
      .catch(() => undefined);
  } finally {
    httpx.request = original;
  }
  if (body === undefined) throw new Error('pop-core request() sent no body');
  return body;
}

const OpenApiUtil = (requireFromRoot('@alicloud/openapi-util') as { default: any }).default;
const TeaUtil = (requireFromRoot('@alicloud/tea-util') as { default: any }).default;
const Tea = requireFromRoot('@alicloud/tea-typescript') as { Request: new () => { method: string; pathname: string; query: Record<string, string>; headers: Record<string, string> } };

/** openapi-client doRPCRequest's V1 query and signature (signatureAlgorithm v2). */
function openApiRpcSignature(params: Record<string, string>, fixed?: { nonce: string; timestamp: string }): string {
  const query: Record<string, string> = {
    Action: 'SingleCallByTts',
    Format: 'JSON',
    Version: VERSION,
    Timestamp: fixed?.timestamp ?? OpenApiUtil.getTimestamp(),
    SignatureNonce: fixed?.nonce ?? TeaUtil.getNonce(),
    ...params,
  };
  query.SignatureMethod = 'HMAC-SHA1';
  query.SignatureVersion = '1.0';
  query.AccessKeyId = TEST_KEY.accessKeyId;
  return OpenApiUtil.getRPCSignature({ ...query }, 'POST', TEST_KEY.accessKeySecret);
}

/** openapi-client doRequest's V3 headers, payload hash and Authorization (ACS3-HMAC-SHA256). */
function openApiV3Authorization(fixed?: { nonce: string; date: string }): string {
  const request = new Tea.Request();
  request.method = 'POST';
  request.pathname = '/';
  request.query = { ...V3_QUERY };
  request.headers = {
    host: V3_HOST,
    'x-acs-version': VERSION,
    'x-acs-action': 'SingleCallByTts',
    'x-acs-date': fixed?.date ?? OpenApiUtil.getTimestamp(),
    'x-acs-signature-nonce': fixed?.nonce ?? TeaUtil.getNonce(),
  };
  const hashed = OpenApiUtil.hexEncode(OpenApiUtil.hash(TeaUtil.toBytes(''), 'ACS3-HMAC-SHA256'));
  request.headers['x-acs-content-sha256'] = hashed;
  return OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', hashed, TEST_KEY.accessKeyId, TEST_KEY.accessKeySecret);
}

interface MnsClient {
  sign(verb: string, headers: Record<string, string>, resource: string): string;
  buildHeaders(method: string, body: string, resource: string, customHeaders?: Record<string, string>): Record<string, string | number>;
}
const MnsClientClass = requireFromRoot('@alicloud/mns') as new (account: string, opts: object) => MnsClient;
const mnsClient = new MnsClientClass('1943695596114318', { ...MNS_KEY, region: 'cn-hangzhou' });

// ---------------------------------------------------------------------------------------------
// Pairs

interface Pair {
  name: string;
  /** Throws when the two sides (or either and the documented vector) disagree on the vector. */
  check(): Promise<void>;
  ours(): string;
  theirs(): string;
}

function expectEqual(label: string, actual: string, expected: string): void {
  if (actual !== expected) throw new Error(`${label}: got ${actual.slice(0, 160)}, expected ${expected.slice(0, 160)}`);
}

function pairs(): Pair[] {
  const pop = popCoreInternals();
  return [
    {
      name: 'v1-popcore',
      async check() {
        const fixed = { ...VECTOR_A_PARAMS, Timestamp: TIMESTAMP, SignatureNonce: NONCE };
        const theirs = popCoreSignedBody(pop, 'SingleCallByTts', fixed, TEST_KEY);
        const real = await popCoreRequestBody('SingleCallByTts', fixed);
        const ours = signRpcV1({ method: 'POST', action: 'SingleCallByTts', version: VERSION, params: VECTOR_A_PARAMS, credentials: TEST_KEY, nonce: NONCE, timestamp: TIMESTAMP });
        expectEqual('pop-core internals vs pop-core request()', theirs, real);
        expectEqual('ours vs pop-core', ours, theirs);
        expectEqual('ours vs docs/alibaba/signatures.md#rpc-signature-v1 Vector A', decodeURIComponent(ours.slice(ours.lastIndexOf('&Signature=') + 11)), VECTOR_A_POST_SIGNATURE);
      },
      ours: () => signRpcV1({ method: 'POST', action: 'SingleCallByTts', version: VERSION, params: VECTOR_A_PARAMS, credentials: TEST_KEY }),
      theirs: () => popCoreSignedBody(pop, 'SingleCallByTts', VECTOR_A_PARAMS, TEST_KEY),
    },
    {
      name: 'v1-openapi',
      async check() {
        const full = { Action: 'SingleCallByTts', Format: 'JSON', Version: VERSION, Timestamp: TIMESTAMP, SignatureNonce: NONCE, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', AccessKeyId: TEST_KEY.accessKeyId, ...VECTOR_A_PARAMS };
        const theirs = openApiRpcSignature(VECTOR_A_PARAMS, { nonce: NONCE, timestamp: TIMESTAMP });
        expectEqual('openapi-util getRPCSignature vs docs/alibaba/signatures.md#rpc-signature-v1 Vector A', theirs, VECTOR_A_POST_SIGNATURE);
        expectEqual('ours vs openapi-util', rpcV1Signature('POST', full, TEST_KEY.accessKeySecret), theirs);
      },
      ours: () => signRpcV1({ method: 'POST', action: 'SingleCallByTts', version: VERSION, params: VECTOR_A_PARAMS, credentials: TEST_KEY }),
      theirs: () => openApiRpcSignature(VECTOR_A_PARAMS),
    },
    {
      name: 'v3-openapi',
      async check() {
        const theirs = openApiV3Authorization({ nonce: V3_NONCE, date: TIMESTAMP });
        const ours = signRpcV3({ method: 'POST', host: V3_HOST, action: 'SingleCallByTts', version: VERSION, query: V3_QUERY, credentials: TEST_KEY, nonce: V3_NONCE, date: TIMESTAMP });
        expectEqual('openapi-util getAuthorization vs docs/alibaba/signatures.md#rpc-signature-v3', theirs.slice(theirs.lastIndexOf('Signature=') + 10), V3_SIGNATURE);
        expectEqual('ours vs openapi-util', ours.authorization!, theirs);
        expectEqual('ours payload hash', ours['x-acs-content-sha256']!, EMPTY_SHA256);
      },
      ours: () => signRpcV3({ method: 'POST', host: V3_HOST, action: 'SingleCallByTts', version: VERSION, query: V3_QUERY, credentials: TEST_KEY }).authorization!,
      theirs: () => openApiV3Authorization(),
    },
    {
      name: 'mns',
      async check() {
        const headers = { date: MNS_DATE, 'x-mns-version': '2015-06-06' };
        expectEqual('@alicloud/mns sign vs docs/alibaba/signatures.md#mns-signature', mnsClient.sign('GET', headers, MNS_RESOURCE), MNS_SIGNATURE);
        const ours = signMnsRequest({ method: 'GET', resource: MNS_RESOURCE, credentials: MNS_KEY, date: new Date(MNS_DATE) });
        expectEqual('ours vs docs/alibaba/signatures.md#mns-signature', ours.authorization!, `MNS ${MNS_KEY.accessKeyId}:${MNS_SIGNATURE}`);
        const withMnsDate = { ...headers, 'x-mns-date': MNS_DATE };
        const theirs = mnsClient.sign('GET', withMnsDate, MNS_RESOURCE);
        expectEqual('@alicloud/mns sign (x-mns-date) vs docs/alibaba/signatures.md#mns-signature', theirs, MNS_SIGNATURE_WITH_MNS_DATE);
        expectEqual(
          'ours vs @alicloud/mns (x-mns-date)',
          mnsSignature(mnsStringToSign({ method: 'GET', date: MNS_DATE, headers: withMnsDate, resource: MNS_RESOURCE }), MNS_KEY.accessKeySecret),
          theirs,
        );
      },
      ours: () => signMnsRequest({ method: 'GET', resource: MNS_RESOURCE, credentials: MNS_KEY }).authorization!,
      theirs: () => String(mnsClient.buildHeaders('GET', '', MNS_RESOURCE).authorization),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Timing

const BATCH = 32;
let sink = 0;

/** Runs `sign` for about `ms`, checking the clock every BATCH calls; returns calls and elapsed ms. */
function runFor(sign: () => string, ms: number): { calls: number; ms: number } {
  let calls = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    for (let index = 0; index < BATCH; index++) sink = (sink + sign().length) | 0;
    calls += BATCH;
    now = performance.now();
  }
  return { calls, ms: now - started };
}

export interface PairResult {
  name: string;
  error?: string;
  ours?: number;
  theirs?: number;
}

serveWorker({
  async measure(payload: { warmupMs: number; sliceMs: number; slices: number }): Promise<PairResult[]> {
    const results: PairResult[] = [];
    for (const pair of pairs()) {
      try {
        await pair.check();
      } catch (error) {
        results.push({ name: pair.name, error: `signatures differ, not timed: ${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
      runFor(pair.ours, payload.warmupMs);
      runFor(pair.theirs, payload.warmupMs);
      const totals = { ours: { calls: 0, ms: 0 }, theirs: { calls: 0, ms: 0 } };
      // Alternate which side goes first, so drift (turbo, GC, a neighbour's load) hits both alike.
      for (let slice = 0; slice < payload.slices; slice++) {
        const order = slice % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const);
        for (const side of order) {
          const run = runFor(pair[side], payload.sliceMs);
          totals[side].calls += run.calls;
          totals[side].ms += run.ms;
        }
      }
      results.push({ name: pair.name, ours: (totals.ours.calls / totals.ours.ms) * 1000, theirs: (totals.theirs.calls / totals.theirs.ms) * 1000 });
    }
    if (sink === 42) console.error('');
    return results;
  },
});

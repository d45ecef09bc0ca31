/**
 * Thin adapters around Alibaba's own Node signers, used as independent oracles by the signing tests.
 *
 * All three packages are CommonJS. They are loaded with `createRequire` so that we get exactly the
 * `module.exports` object Node builds (no ESM default-export interop guessing), and so that the
 * `httpx` module we patch below is the very same cached instance that `@alicloud/pop-core` requires.
 *
 * - `@alicloud/pop-core` 1.8.0: the V1 signer has no export of its own; it is inlined in
 *   `RPCClient#request` (lib/rpc.js). We run the real `request` with `httpx.request` temporarily
 *   replaced by a stub that records the URL / form body pop-core is about to send and aborts the call,
 *   so no network traffic happens. The fixed `Timestamp` / `SignatureNonce` are passed as ordinary
 *   params: pop-core does `Object.assign({ Action }, defaultParams, params)`, so ours win.
 * - `@alicloud/openapi-util` 0.3.3: `exports.default` is a class with static `getRPCSignature`,
 *   `getAuthorization`, `hash`, `hexEncode` (dist/client.js).
 * - `@alicloud/mns` 1.2.0: `module.exports` is the `Client` class; `sign(verb, headers, resource)`
 *   and `buildHeaders(method, body, resource, customHeaders)` are plain prototype methods
 *   (lib/client.js) that need no network.
 */
import { createRequire } from 'node:module';
import type OpenApiUtilClass from '@alicloud/openapi-util';

const requireHere = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// @alicloud/pop-core
// ---------------------------------------------------------------------------------------------

interface PopCoreConfig {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}
interface PopCoreClient {
  request(action: string, params: Record<string, string>, opts: Record<string, unknown>): Promise<unknown>;
}
type PopCoreCtor = new (config: PopCoreConfig) => PopCoreClient;

const PopCoreRPCClient = requireHere('@alicloud/pop-core') as PopCoreCtor;
/** The `httpx` instance pop-core itself resolves (same Node module cache entry). */
const popCoreHttpx = createRequire(requireHere.resolve('@alicloud/pop-core'))('httpx') as {
  request: (url: string, opts: { data?: string }) => Promise<unknown>;
};

class CapturedRequest extends Error {
  constructor(
    readonly url: string,
    readonly data: string | undefined,
  ) {
    super('captured by test stub');
  }
}

export interface PopCoreSignInput {
  method: 'GET' | 'POST';
  action: string;
  version: string;
  params: Record<string, string>;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  nonce: string;
  timestamp: string;
}

/**
 * What pop-core would put on the wire: for GET the query string after `/?`, for POST the form body.
 * Both are `k=v&...&Signature=<pe(signature)>`.
 */
export async function popCoreSignedText(input: PopCoreSignInput): Promise<string> {
  const client = new PopCoreRPCClient({
    endpoint: 'https://dyvmsapi.aliyuncs.com',
    apiVersion: input.version,
    accessKeyId: input.accessKeyId,
    accessKeySecret: input.accessKeySecret,
    ...(input.securityToken !== undefined ? { securityToken: input.securityToken } : {}),
  });
  const original = popCoreHttpx.request;
  popCoreHttpx.request = (url, opts) => {
    throw new CapturedRequest(url, opts.data);
  };
  try {
    await client.request(
      input.action,
      { ...input.params, Timestamp: input.timestamp, SignatureNonce: input.nonce },
      // formatAction/formatParams=false: keep names exactly as given (pop-core would upper-case the
      // first letter otherwise).
      { method: input.method, formatAction: false, formatParams: false },
    );
  } catch (error) {
    if (error instanceof CapturedRequest) {
      if (input.method === 'POST') {
        if (error.data === undefined) throw new Error('pop-core POST without a body');
        return error.data;
      }
      const prefix = 'https://dyvmsapi.aliyuncs.com/?';
      if (!error.url.startsWith(prefix)) throw new Error(`unexpected pop-core URL ${error.url}`);
      return error.url.slice(prefix.length);
    }
    throw error;
  } finally {
    popCoreHttpx.request = original;
  }
  throw new Error('pop-core never reached httpx.request');
}

/** The raw (decoded) Base64 signature pop-core appended. */
export function extractSignature(signedText: string): string {
  const marker = '&Signature=';
  const at = signedText.lastIndexOf(marker);
  if (at < 0) throw new Error(`no Signature in ${signedText}`);
  return decodeURIComponent(signedText.slice(at + marker.length));
}

// ---------------------------------------------------------------------------------------------
// @alicloud/openapi-util
// ---------------------------------------------------------------------------------------------

export const OpenApiUtil = (requireHere('@alicloud/openapi-util') as { default: typeof OpenApiUtilClass }).default;

/** The subset of `$tea.Request` that `OpenApiUtil.getAuthorization` reads. */
export interface TeaRequestLike {
  method: string;
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

export function openApiAuthorization(
  request: TeaRequestLike,
  hashedPayload: string,
  accessKeyId: string,
  accessKeySecret: string,
): string {
  return OpenApiUtil.getAuthorization(
    request as unknown as Parameters<typeof OpenApiUtil.getAuthorization>[0],
    'ACS3-HMAC-SHA256',
    hashedPayload,
    accessKeyId,
    accessKeySecret,
  );
}

export function openApiPayloadHash(body: string): string {
  return OpenApiUtil.hexEncode(OpenApiUtil.hash(Buffer.from(body, 'utf8'), 'ACS3-HMAC-SHA256'));
}

// ---------------------------------------------------------------------------------------------
// @alicloud/mns
// ---------------------------------------------------------------------------------------------

interface MnsClient {
  sign(verb: string, headers: Record<string, string>, resource: string): string;
  buildHeaders(
    method: string,
    body: string | Buffer,
    resource: string,
    customHeaders?: Record<string, string>,
  ): Record<string, string | number>;
}
type MnsClientCtor = new (
  accountId: string,
  opts: { accessKeyId: string; accessKeySecret: string; region: string; securityToken?: string },
) => MnsClient;

const MnsClientClass = requireHere('@alicloud/mns') as MnsClientCtor;

/** The Alicom MNS account (docs/alibaba/rpc.md#endpoints). */
export const ALICOM_MNS_ACCOUNT = '1943695596114318';

export function mnsClient(accessKeyId: string, accessKeySecret: string, securityToken?: string): MnsClient {
  return new MnsClientClass(ALICOM_MNS_ACCOUNT, {
    accessKeyId,
    accessKeySecret,
    region: 'cn-hangzhou',
    ...(securityToken !== undefined ? { securityToken } : {}),
  });
}

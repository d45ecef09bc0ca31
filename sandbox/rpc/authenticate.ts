/**
 * Who sent an RPC request and whether Alibaba would believe them: signature style, timestamp,
 * AccessKeyId, STS token, signature, nonce (docs/alibaba/rpc.md#common-parameters, docs/alibaba/signatures.md, docs/alibaba/errors.md#gateway-codes), in that order. The action is
 * resolved between the timestamp and the key, so its product's HostId can name every later error.
 */
import type { AlibabaCredentials } from '#shared/signing/index';
import { constantTimeEqual } from './constantTime.ts';
import {
  accessKeyNotFound,
  nonceUsed,
  securityTokenMismatch,
  timestampExpired,
  timestampFormat,
} from './errors.ts';
import type { NonceCache } from './nonces.ts';
import type { IncomingRpcRequest } from './request.ts';
import type { ResponseFormat } from './response.ts';
import { readV1 } from './signatureV1.ts';
import { readV3 } from './signatureV3.ts';
import type { SignedRequest } from './signedRequest.ts';

/** docs/alibaba/rpc.md#common-parameters: Timestamp must be within 15 minutes of server time. */
export const TIMESTAMP_TOLERANCE_MS = 15 * 60_000;

/** docs/alibaba/rpc.md#common-parameters: `YYYY-MM-DDThh:mm:ssZ`, UTC (fractions of a second tolerated). */
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export interface AuthenticationDeps {
  keys: ReadonlyMap<string, AlibabaCredentials>;
  nonces: NonceCache;
  now: () => number;
}

/** V3 when an Authorization header is present, V1 otherwise (pop-core sends none). */
export function readSignedRequest(request: IncomingRpcRequest): SignedRequest {
  const authorization = request.headers.authorization;
  return authorization !== undefined ? readV3(request, authorization) : readV1(request);
}

/**
 * JSON unless asked otherwise. V1's default is XML (docs/alibaba/rpc.md#common-parameters `Format`); V3 clients send
 * `accept: application/json` and no Format, and are answered JSON unless Format=XML.
 */
export function responseFormatOf(request: IncomingRpcRequest): ResponseFormat {
  const format = request.params.Format?.toUpperCase();
  if (request.headers.authorization !== undefined) return format === 'XML' ? 'XML' : 'JSON';
  return format === 'JSON' ? 'JSON' : 'XML';
}

export function checkTimestamp(timestamp: string, now: number): void {
  const at = TIMESTAMP_PATTERN.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(at)) throw timestampFormat();
  if (Math.abs(now - at) > TIMESTAMP_TOLERANCE_MS) throw timestampExpired();
}

/** The key, its STS token, the signature and the nonce. Returns the caller's key pair. */
export function authenticate(signed: SignedRequest, deps: AuthenticationDeps): AlibabaCredentials {
  const credentials = deps.keys.get(signed.accessKeyId);
  if (!credentials) throw accessKeyNotFound();
  checkSecurityToken(credentials, signed.securityToken);
  signed.verify(credentials.accessKeySecret);
  // Only a verified request may use up a nonce, or anyone could burn a client's nonces.
  if (!deps.nonces.use(signed.accessKeyId, signed.nonce, deps.now())) throw nonceUsed();
  return credentials;
}

/**
 * An STS key needs its exact token; a long-term key must come without one (Alibaba treats any
 * request carrying a token as an STS request).
 */
function checkSecurityToken(credentials: AlibabaCredentials, sent: string | undefined): void {
  const expected = credentials.securityToken;
  if (expected === undefined && sent === undefined) return;
  if (expected === undefined || sent === undefined || !constantTimeEqual(expected, sent)) {
    throw securityTokenMismatch();
  }
}

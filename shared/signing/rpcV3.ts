import type { AlibabaCredentials } from './credentials.ts';
import { bareHmacKeys, canonicalQuery, currentRpcTimestamp, EMPTY_SHA256, hmacHex, newNonce, sha256Hex } from './encoding.ts';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3CanonicalInput {
  method: string;
  /** `/` for RPC actions (docs/alibaba/signatures.md#rpc-signature-v3 step 1). */
  path: string;
  query: Readonly<Record<string, string>>;
  /** Request headers, any case. Only the ones listed in `signedHeaders` are used. */
  headers: Readonly<Record<string, string>>;
  /** Lower-case names, sorted. */
  signedHeaders: readonly string[];
  /** Lower-hex SHA-256 of the body (`x-acs-content-sha256`). */
  hashedPayload: string;
}

/** docs/alibaba/signatures.md#rpc-signature-v3 steps 2-5. */
export function acs3CanonicalRequest(input: Acs3CanonicalInput): string {
  // Header names are case-insensitive on the wire; look values up by their lower-case names.
  const headers = new Map(Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const canonicalHeaders = input.signedHeaders
    .map((name) => `${name}:${(headers.get(name) ?? '').trim()}\n`)
    .join('');
  return [
    input.method,
    input.path,
    canonicalQuery(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.hashedPayload,
  ].join('\n');
}

/** docs/alibaba/signatures.md#rpc-signature-v3 steps 6-7: lower-hex HMAC-SHA256 keyed with the bare secret (no `&`). */
export function acs3Signature(canonicalRequest: string, accessKeySecret: string): string {
  return hmacHex('sha256', bareHmacKeys.get(accessKeySecret), `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`);
}

/** Which headers take part in the signature (docs/alibaba/signatures.md#rpc-signature-v3 step 3): `x-acs-*`, `host`, `content-type`. */
export function acs3SignedHeaderNames(headers: Readonly<Record<string, string>>): string[] {
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-acs-') || name === 'host' || name === 'content-type')
    .sort();
}

export interface RpcV3SignInput {
  method: 'GET' | 'POST';
  host: string;
  action: string;
  version: string;
  /** Parameters sent in the query string (flattened wire names). */
  query?: Readonly<Record<string, string>>;
  /** Form body, if the parameters travel in the body instead; its content type is then signed too. */
  body?: string;
  contentType?: string;
  credentials: AlibabaCredentials;
  nonce?: string;
  date?: string;
}

/**
 * SignedHeaders (docs/alibaba/signatures.md#rpc-signature-v3 step 4) of what signRpcV3 sends, for each combination of the two
 * optional parts: `content-type` (a body) and the STS pair `x-acs-accesskey-id` /
 * `x-acs-security-token`. Sorted by name, as acs3SignedHeaderNames would sort them.
 */
const SIGNED_HEADERS = {
  plain: 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
  sts: 'host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version',
  body: 'content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
  bodySts:
    'content-type;host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version',
} as const;

/**
 * Signs an RPC request with ACS3-HMAC-SHA256 and returns every header to send
 * (lower-case names, including `authorization`). docs/alibaba/signatures.md#rpc-signature-v3 step 8.
 *
 * The set of headers is fixed by this function, so the CanonicalHeaders (docs/alibaba/signatures.md#rpc-signature-v3 step 3) are
 * written directly in sorted name order instead of being collected, lower-cased, filtered and
 * sorted on every call; acs3CanonicalRequest does the general case (and the tests check that both
 * agree with the official signer).
 */
export function signRpcV3(input: RpcV3SignInput): Record<string, string> {
  const { credentials, contentType } = input;
  const token = credentials.securityToken;
  const date = input.date ?? currentRpcTimestamp();
  const nonce = input.nonce ?? newNonce();
  // docs/alibaba/signatures.md#rpc-signature-v3: an empty body hashes to the well-known constant; no need to hash it every time.
  const hashedPayload = input.body ? sha256Hex(input.body) : EMPTY_SHA256;

  const headers: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': date,
    'x-acs-signature-nonce': nonce,
    'x-acs-content-sha256': hashedPayload,
  };
  if (contentType) headers['content-type'] = contentType;
  if (token) {
    headers['x-acs-accesskey-id'] = credentials.accessKeyId;
    headers['x-acs-security-token'] = token;
  }

  // docs/alibaba/signatures.md#rpc-signature-v3 step 3: `name:trimmed value\n` for each signed header, in sorted name order.
  let canonicalHeaders = '';
  if (contentType) canonicalHeaders += `content-type:${contentType.trim()}\n`;
  canonicalHeaders += `host:${input.host.trim()}\n`;
  if (token) canonicalHeaders += `x-acs-accesskey-id:${credentials.accessKeyId.trim()}\n`;
  canonicalHeaders += `x-acs-action:${input.action.trim()}\n`;
  canonicalHeaders += `x-acs-content-sha256:${hashedPayload}\n`;
  canonicalHeaders += `x-acs-date:${date.trim()}\n`;
  if (token) canonicalHeaders += `x-acs-security-token:${token.trim()}\n`;
  canonicalHeaders += `x-acs-signature-nonce:${nonce.trim()}\n`;
  canonicalHeaders += `x-acs-version:${input.version.trim()}\n`;
  const signedHeaders = contentType
    ? token
      ? SIGNED_HEADERS.bodySts
      : SIGNED_HEADERS.body
    : token
      ? SIGNED_HEADERS.sts
      : SIGNED_HEADERS.plain;

  // docs/alibaba/signatures.md#rpc-signature-v3 step 5; the path is `/` for RPC actions (step 1).
  const query = input.query ? canonicalQuery(input.query) : '';
  const canonicalRequest = `${input.method}\n/\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${hashedPayload}`;
  headers.authorization =
    `${ACS3_ALGORITHM} Credential=${credentials.accessKeyId},` +
    `SignedHeaders=${signedHeaders},Signature=${acs3Signature(canonicalRequest, credentials.accessKeySecret)}`;
  return headers;
}

export interface Acs3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Reads an `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` header. */
export function parseAcs3Authorization(value: string): Acs3Authorization | undefined {
  const prefix = `${ACS3_ALGORITHM} `;
  if (!value.startsWith(prefix)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

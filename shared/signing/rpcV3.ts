import type { AlibabaCredentials } from './credentials.ts';
import { canonicalQuery, hmacHex, newNonce, rpcTimestamp, sha256Hex } from './encoding.ts';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3CanonicalInput {
  method: string;
  /** `/` for RPC actions (spec §2.2 step 1). */
  path: string;
  query: Readonly<Record<string, string>>;
  /** Request headers, any case. Only the ones listed in `signedHeaders` are used. */
  headers: Readonly<Record<string, string>>;
  /** Lower-case names, sorted. */
  signedHeaders: readonly string[];
  /** Lower-hex SHA-256 of the body (`x-acs-content-sha256`). */
  hashedPayload: string;
}

/** spec §2.2 steps 2-5. */
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

/** spec §2.2 steps 6-7: lower-hex HMAC-SHA256 keyed with the bare secret (no `&`). */
export function acs3Signature(canonicalRequest: string, accessKeySecret: string): string {
  return hmacHex('sha256', accessKeySecret, `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`);
}

/** Which headers take part in the signature (spec §2.2 step 3): `x-acs-*`, `host`, `content-type`. */
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
 * Signs an RPC request with ACS3-HMAC-SHA256 and returns every header to send
 * (lower-case names, including `authorization`). spec §2.2 step 8.
 */
export function signRpcV3(input: RpcV3SignInput): Record<string, string> {
  const body = input.body ?? '';
  const headers: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': input.date ?? rpcTimestamp(),
    'x-acs-signature-nonce': input.nonce ?? newNonce(),
    'x-acs-content-sha256': sha256Hex(body),
  };
  if (input.contentType) headers['content-type'] = input.contentType;
  if (input.credentials.securityToken) {
    headers['x-acs-accesskey-id'] = input.credentials.accessKeyId;
    headers['x-acs-security-token'] = input.credentials.securityToken;
  }
  const signedHeaders = acs3SignedHeaderNames(headers);
  const canonical = acs3CanonicalRequest({
    method: input.method,
    path: '/',
    query: input.query ?? {},
    headers,
    signedHeaders,
    hashedPayload: headers['x-acs-content-sha256']!,
  });
  const signature = acs3Signature(canonical, input.credentials.accessKeySecret);
  headers.authorization =
    `${ACS3_ALGORITHM} Credential=${input.credentials.accessKeyId},` +
    `SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
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

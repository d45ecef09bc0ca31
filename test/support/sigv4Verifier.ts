/**
 * An AWS Signature Version 4 verifier written from AWS's own description of the algorithm ("Create a
 * signed AWS API request", IAM User Guide) with node:crypto alone, so that it shares no code with
 * @smithy/signature-v4, the signer the client uses. test/unit/client/sigv4.test.ts checks it first
 * against AWS's published SigV4 test suite vectors, then verifies the client's requests with it.
 *
 * It verifies a request as a server receives it: method, the path and query exactly as sent, the
 * headers and the body.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface ReceivedRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  target: string;
  /** Header names in any case; repeated headers as arrays. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface VerifierSettings {
  service: string;
  region: string;
  /** The secret of an access key id, or undefined for an unknown key. */
  secretOf: (accessKeyId: string) => string | undefined;
  /**
   * S3 encodes each path segment once; every other service (execute-api among them) once more than
   * it was sent, "twice" in AWS's words. Default false.
   */
  singleEncodedPath?: boolean;
}

export type Verdict =
  | { valid: true; accessKeyId: string; signedHeaders: string[]; sessionToken: string | undefined }
  | { valid: false; reason: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Checks the request's Authorization header against the signature recomputed from the request. */
export function verifySigV4(request: ReceivedRequest, settings: VerifierSettings): Verdict {
  const headers = lowerCaseHeaders(request.headers);
  const match = AUTHORIZATION.exec(headers.get('authorization')?.[0] ?? '');
  if (!match) return { valid: false, reason: 'no SigV4 Authorization header' };
  const [, accessKeyId, date, region, service, signedList, signature] = match as unknown as string[];
  if (region !== settings.region || service !== settings.service) return { valid: false, reason: `scope ${region}/${service}` };
  const amzDate = headers.get('x-amz-date')?.[0];
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date!)) return { valid: false, reason: `x-amz-date ${amzDate}` };
  const signedHeaders = signedList!.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return { valid: false, reason: `${required} is not signed` };
  }
  const secret = settings.secretOf(accessKeyId!);
  if (secret === undefined) return { valid: false, reason: `unknown access key ${accessKeyId}` };

  const payloadHash = sha256Hex(request.body);
  const declaredHash = headers.get('x-amz-content-sha256')?.[0];
  if (declaredHash !== undefined && declaredHash !== payloadHash) return { valid: false, reason: 'x-amz-content-sha256 is not the body\'s hash' };
  const expected = signatureFor({
    method: request.method,
    target: request.target,
    headers,
    signedHeaders,
    payloadHash,
    amzDate,
    region: region!,
    service: service!,
    secret,
    singleEncodedPath: settings.singleEncodedPath ?? false,
  });
  const matches = timingSafeEqual(Buffer.from(expected.signature), Buffer.from(signature!));
  return matches
    ? { valid: true, accessKeyId: accessKeyId!, signedHeaders, sessionToken: headers.get('x-amz-security-token')?.[0] }
    : { valid: false, reason: `signature mismatch; canonical request:\n${expected.canonicalRequest}` };
}

export interface SignatureInput {
  method: string;
  target: string;
  /** Lower-case name -> values. */
  headers: Map<string, string[]>;
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  region: string;
  service: string;
  secret: string;
  singleEncodedPath: boolean;
}

/** Task 1-4 of the algorithm: canonical request, string to sign, signing key, signature. */
export function signatureFor(input: SignatureInput): { canonicalRequest: string; stringToSign: string; signature: string } {
  const queryStart = input.target.indexOf('?');
  const path = queryStart === -1 ? input.target : input.target.slice(0, queryStart);
  const query = queryStart === -1 ? '' : input.target.slice(queryStart + 1);
  const canonicalHeaders = input.signedHeaders.map((name) => `${name}:${(input.headers.get(name) ?? []).map(canonicalHeaderValue).join(',')}\n`).join('');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath(path, input.singleEncodedPath),
    canonicalQuery(query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
  const date = input.amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = [ALGORITHM, input.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const dateKey = hmac(Buffer.from(`AWS4${input.secret}`, 'utf8'), date);
  const regionKey = hmac(dateKey, input.region);
  const serviceKey = hmac(regionKey, input.service);
  const signingKey = hmac(serviceKey, 'aws4_request');
  return { canonicalRequest, stringToSign, signature: hmac(signingKey, stringToSign).toString('hex') };
}

/**
 * "Normalize URI paths according to RFC 3986. Remove redundant and relative path components. Each
 * path segment must be URI-encoded twice (except for Amazon S3 which only gets URI-encoded once)":
 * the path as sent was encoded once, so each of its segments is encoded once more.
 */
function canonicalPath(path: string, singleEncoded: boolean): string {
  if (singleEncoded) return path === '' ? '/' : path;
  const segments: string[] = [];
  for (const segment of path.split('/').slice(1)) {
    if (segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.map(uriEncode).join('/')}`;
}

/** Parameters sorted by encoded name, then value; names and values URI-encoded (from their decoded form). */
function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const separator = pair.indexOf('=');
      const name = separator === -1 ? pair : pair.slice(0, separator);
      const value = separator === -1 ? '' : pair.slice(separator + 1);
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
    })
    .sort(([nameA, valueA], [nameB, valueB]) => (nameA < nameB ? -1 : nameA > nameB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** AWS's UriEncode: every byte but A-Z a-z 0-9 - . _ ~ as %XY, upper-case hex. */
function uriEncode(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const character = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** Trimmed, with sequential spaces collapsed to one. */
function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function lowerCaseHeaders(headers: ReceivedRequest['headers']): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    map.set(key, [...(map.get(key) ?? []), ...(Array.isArray(value) ? value : [value])]);
  }
  return map;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

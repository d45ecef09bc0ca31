import type { AlibabaCredentials } from './credentials.ts';
import { bareHmacKeys, currentHttpDate, hmacBase64 } from './encoding.ts';

/** MNS API version sent as `x-mns-version` (docs/alibaba/mns.md#headers). */
export const MNS_VERSION = '2015-06-06';

export interface MnsStringToSignInput {
  method: string;
  contentMd5?: string;
  contentType?: string;
  /** The `Date` header, RFC 1123 GMT. */
  date: string;
  /** All request headers; only `x-mns-*` ones are used (lower-cased, sorted). */
  headers: Readonly<Record<string, string>>;
  /** Path plus query exactly as sent: not sorted, not re-encoded (docs/alibaba/signatures.md#mns-signature). */
  resource: string;
}

/** The `x-mns-` prefix of the headers that are signed (docs/alibaba/signatures.md#mns-signature CanonicalizedMNSHeaders). */
const MNS_HEADER_PREFIX = 'x-mns-';

/** docs/alibaba/signatures.md#mns-signature StringToSign. */
export function mnsStringToSign(input: MnsStringToSignInput): string {
  // CanonicalizedMNSHeaders: lower-cased `x-mns-*` names, sorted (stable: two spellings of one
  // name keep their order), each `name:value\n`. A request has one or two of them, so they are
  // collected in one loop and sorted only when there is more than one.
  const signed: [name: string, value: string][] = [];
  for (const name of Object.keys(input.headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(MNS_HEADER_PREFIX)) signed.push([lower, input.headers[name]!]);
  }
  if (signed.length > 1) signed.sort(byName);
  let mnsHeaders = '';
  for (const [name, value] of signed) mnsHeaders += `${name}:${value}\n`;
  return `${input.method}\n${input.contentMd5 ?? ''}\n${input.contentType ?? ''}\n${input.date}\n${mnsHeaders}${input.resource}`;
}

/** Code-unit order of header names; equal names keep their order (the sort is stable). */
function byName([a]: readonly [string, string], [b]: readonly [string, string]): number {
  if (a < b) return -1;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: V8's sort only asks whether a comparison is below 0, so 1 and 0 mean the same to it
  return a > b ? 1 : 0;
}

/** Base64(HMAC-SHA1(secret, StringToSign)); the key is the bare secret, no `&` (docs/alibaba/signatures.md#mns-signature). */
export function mnsSignature(stringToSign: string, accessKeySecret: string): string {
  return hmacBase64('sha1', bareHmacKeys.get(accessKeySecret), stringToSign);
}

export interface MnsSignInput {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  resource: string;
  contentType?: string;
  contentMd5?: string;
  credentials: AlibabaCredentials;
  date?: Date;
}

/**
 * CanonicalizedMNSHeaders of what signMnsRequest sends: `x-mns-version` is its only `x-mns-*`
 * header (`date`, `content-type`, `content-md5` have lines of their own and `security-token` is
 * not signed, docs/alibaba/mns.md).
 */
const SIGNED_MNS_HEADERS = `x-mns-version:${MNS_VERSION}\n`;

/**
 * Headers for one MNS request (docs/alibaba/mns.md#headers): `date`, `x-mns-version`, `authorization`, and the
 * unsigned `security-token` for STS credentials.
 *
 * The StringToSign is written directly (docs/alibaba/signatures.md#mns-signature) because this function decides every header it
 * signs; mnsStringToSign does the general case, and the tests check both against @alicloud/mns.
 */
export function signMnsRequest(input: MnsSignInput): Record<string, string> {
  const { credentials, contentType, contentMd5 } = input;
  const date = input.date ? input.date.toUTCString() : currentHttpDate();
  const headers: Record<string, string> = { date, 'x-mns-version': MNS_VERSION };
  if (contentType) headers['content-type'] = contentType;
  if (contentMd5) headers['content-md5'] = contentMd5;
  const stringToSign = `${input.method}\n${contentMd5 ?? ''}\n${contentType ?? ''}\n${date}\n${SIGNED_MNS_HEADERS}${input.resource}`;
  headers.authorization = `MNS ${credentials.accessKeyId}:${mnsSignature(stringToSign, credentials.accessKeySecret)}`;
  if (credentials.securityToken) headers['security-token'] = credentials.securityToken;
  return headers;
}

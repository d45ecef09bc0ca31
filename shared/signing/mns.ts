import type { AlibabaCredentials } from './credentials.ts';
import { hmacBase64 } from './encoding.ts';

/** MNS API version sent as `x-mns-version` (spec §6.1). */
export const MNS_VERSION = '2015-06-06';

export interface MnsStringToSignInput {
  method: string;
  contentMd5?: string;
  contentType?: string;
  /** The `Date` header, RFC 1123 GMT. */
  date: string;
  /** All request headers; only `x-mns-*` ones are used (lower-cased, sorted). */
  headers: Readonly<Record<string, string>>;
  /** Path plus query exactly as sent: not sorted, not re-encoded (spec §6.2). */
  resource: string;
}

/** spec §6.2 StringToSign. */
export function mnsStringToSign(input: MnsStringToSignInput): string {
  const mnsHeaders = Object.entries(input.headers)
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .filter(([name]) => name.startsWith('x-mns-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  return `${input.method}\n${input.contentMd5 ?? ''}\n${input.contentType ?? ''}\n${input.date}\n${mnsHeaders}${input.resource}`;
}

/** Base64(HMAC-SHA1(secret, StringToSign)); the key is the bare secret, no `&` (spec §6.2). */
export function mnsSignature(stringToSign: string, accessKeySecret: string): string {
  return hmacBase64('sha1', accessKeySecret, stringToSign);
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
 * Headers for one MNS request (spec §6.1): `date`, `x-mns-version`, `authorization`, and the
 * unsigned `security-token` for STS credentials.
 */
export function signMnsRequest(input: MnsSignInput): Record<string, string> {
  const headers: Record<string, string> = {
    date: (input.date ?? new Date()).toUTCString(),
    'x-mns-version': MNS_VERSION,
  };
  if (input.contentType) headers['content-type'] = input.contentType;
  if (input.contentMd5) headers['content-md5'] = input.contentMd5;
  const stringToSign = mnsStringToSign({
    method: input.method,
    contentMd5: input.contentMd5,
    contentType: input.contentType,
    date: headers.date!,
    headers,
    resource: input.resource,
  });
  headers.authorization = `MNS ${input.credentials.accessKeyId}:${mnsSignature(stringToSign, input.credentials.accessKeySecret)}`;
  if (input.credentials.securityToken) headers['security-token'] = input.credentials.securityToken;
  return headers;
}

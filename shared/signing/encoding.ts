import { createHash, createHmac, randomUUID } from 'node:crypto';

/**
 * Alibaba's percent-encoding (spec §2.1): RFC 3986 unreserved characters stay, everything else is
 * `%XY` in upper-case hex over UTF-8; space is `%20`, `*` is `%2A`, `~` stays.
 * encodeURIComponent leaves `! ' ( ) *` alone, so those five are fixed up afterwards.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `YYYY-MM-DDThh:mm:ssZ` (UTC, no milliseconds), the RPC Timestamp and `x-acs-date` format (spec §1.2). */
export function rpcTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A fresh nonce for every attempt: a reused one is answered `SignatureNonceUsed` (spec §1.2, §7). */
export function newNonce(): string {
  return randomUUID();
}

export function hmacBase64(algorithm: 'sha1' | 'sha256', key: string, text: string): string {
  return createHmac(algorithm, key).update(text, 'utf8').digest('base64');
}

export function hmacHex(algorithm: 'sha256', key: string, text: string): string {
  return createHmac(algorithm, key).update(text, 'utf8').digest('hex');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parameters sorted by name in plain code-unit order and joined as `pe(k)=pe(v)&...` (spec §2.1 steps 2-3). */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name] ?? '')}`)
    .join('&');
}

/**
 * Receipt message bodies → receipt objects (docs/alibaba/receipts.md#body-encoding): Base64 → UTF-8 → JSON, else raw JSON when
 * the text starts with `{` or `[`; an object or an array of objects. Never throws: a body that cannot
 * be decoded is reported with a reason, so the poller can store it raw instead of retrying forever.
 */

export type DecodeResult =
  | { ok: true; receipts: Record<string, unknown>[]; encoding: 'base64' | 'json' }
  | { ok: false; reason: string };

import { jsonTextNestsDeeperThan, MAX_JSON_DEPTH } from '../validation.ts';

/** MNS bodies are at most 64 KB; anything far larger is not a receipt and is not parsed. */
export const MAX_BODY_CHARS = 1024 * 1024;
/** Base64 (standard or URL-safe alphabet), padded or not, whitespace ignored. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** Strict: a byte that is not UTF-8 refuses the body instead of storing it garbled; a leading byte-order mark is dropped. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * @example decodeMessageBody(Buffer.from('{"call_id":"1^2"}').toString('base64'))
 *   // { ok: true, receipts: [{ call_id: '1^2' }], encoding: 'base64' }
 * @example decodeMessageBody('not a receipt') // { ok: false, reason: '...' }
 */
export function decodeMessageBody(raw: string): DecodeResult {
  try {
    return decode(raw);
  } catch (error) {
    // Belt and braces: nothing above should throw, but a poison body must never escape as an exception.
    return { ok: false, reason: `undecodable body (${error instanceof Error ? error.name : 'error'})` };
  }
}

function decode(raw: string): DecodeResult {
  if (typeof raw !== 'string') return { ok: false, reason: 'body is not text' };
  if (raw.length > MAX_BODY_CHARS) return { ok: false, reason: `body longer than ${MAX_BODY_CHARS} characters` };
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'empty body' };

  const compact = text.replace(/\s/g, '');
  let base64Reason: string | undefined;
  if (BASE64.test(compact) && compact.length % 4 !== 1) {
    const decoded = fromBase64Utf8(compact);
    if (decoded === undefined) {
      base64Reason = 'Base64 payload is not UTF-8';
    } else {
      const parsed = parseReceipts(decoded);
      if (parsed.ok) return { ...parsed, encoding: 'base64' };
      base64Reason = `Base64 payload ${parsed.reason}`;
    }
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    const parsed = parseReceipts(text);
    if (parsed.ok) return { ...parsed, encoding: 'json' };
    return { ok: false, reason: `raw body ${parsed.reason}` };
  }
  return { ok: false, reason: base64Reason ?? 'body is neither Base64 nor JSON' };
}

function fromBase64Utf8(base64: string): string | undefined {
  try {
    return utf8.decode(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}

function parseReceipts(text: string): { ok: true; receipts: Record<string, unknown>[] } | { ok: false; reason: string } {
  // Measured before parsing: nothing downstream (normalising, the store's checks, JSON.stringify)
  // may ever be handed a receipt nested deep enough to overflow the stack.
  if (jsonTextNestsDeeperThan(text, MAX_JSON_DEPTH)) return { ok: false, reason: `nests arrays and objects more than ${MAX_JSON_DEPTH} deep` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'is not JSON' };
  }
  if (isPlainObject(value)) return { ok: true, receipts: [value] };
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: false, reason: 'is an empty array' };
    const index = value.findIndex((entry) => !isPlainObject(entry));
    if (index >= 0) return { ok: false, reason: `holds a non-object at index ${index}` };
    return { ok: true, receipts: value as Record<string, unknown>[] };
  }
  return { ok: false, reason: `is JSON ${value === null ? 'null' : typeof value}, not an object or an array of objects` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

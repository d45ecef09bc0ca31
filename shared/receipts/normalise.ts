/**
 * One decoded receipt object → a validated, normalised receipt (docs/alibaba/receipts.md#receipt-fields fields, docs/alibaba/receipts.md#status-codes status),
 * keeping the raw object beside it. Lenient where Alibaba is inconsistent (numbers as strings or
 * numbers, empty strings for "none", docs/alibaba/receipts.md#body-encoding); strict only where storage depends on it (`call_id`).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { statusForReceipt, type CallStatus } from '../calls/status.ts';

/** A receipt ready to store. Times are as Alibaba sent them, tagged as China time when they have its shape. */
export interface NormalisedReceipt {
  messageType: string;
  callId: string;
  /** Dedup key within the call and message type (docs/alibaba/receipts.md#receipt-fields "Dedup key suggestion"). */
  naturalKey: string;
  outId?: string;
  statusCode?: string;
  smartStatusCode?: string;
  statusMessage?: string;
  /** The call status this receipt implies (statusCodes.ts), absent when it implies none. */
  status?: CallStatus;
  statusTime?: string;
  dtmf?: string;
  /** Talk seconds. */
  duration?: number;
  originateTime?: string;
  ringTime?: string;
  startTime?: string;
  endTime?: string;
  hangupDirection?: string;
  voiceType?: string;
  recordFile?: string;
  recordBeginTime?: string;
  /** The decoded receipt object exactly as received. */
  raw: Record<string, unknown>;
}

export type NormaliseResult = { ok: true; receipt: NormalisedReceipt } | { ok: false; reason: string };

/** DynamoDB keys are bounded (sort key 1 KB); longer natural keys are replaced by their hash. */
const MAX_NATURAL_KEY_CHARS = 400;
/** CallIds look like `116012354148^102813781234`; far longer text is not one. */
const MAX_CALL_ID_CHARS = 256;

function emptyToUndefined(value: string): string | undefined {
  return value === '' ? undefined : value;
}

/** A string or a number, trimmed; an unusable value is dropped (undefined), never fatal. */
const lenientText = z.catch(
  z.optional(z.pipe(z.union([z.string(), z.number()]), z.transform((value) => emptyToUndefined(String(value).trim())))),
  undefined,
);

/** A number or a numeric string (`duration: "7"` beside `b_duration: 7`, docs/alibaba/receipts.md#body-encoding). */
const lenientNumber = z.catch(
  z.optional(
    z.pipe(
      z.union([z.number(), z.string()]),
      z.transform((value) => {
        // Number() reads '' and blanks as 0: a blank duration is none, not zero.
        const parsed = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
        return Number.isFinite(parsed) ? parsed : undefined;
      }),
    ),
  ),
  undefined,
);

/** A time: `yyyy-MM-dd HH:mm:ss` (China time, docs/alibaba/receipts.md#body-encoding) becomes ISO-8601 with `+08:00`; other text is kept. */
const lenientTime = z.pipe(lenientText, z.transform((value) => value && chinaTimeToIso(value)));

/** `call_id` is what the receipt is stored under: required, a string (or a number, leniently). */
const callIdField = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((value) => String(value).trim()),
);

const receiptSchema = z.looseObject({
  call_id: callIdField,
  out_id: lenientText,
  status_code: lenientText,
  smart_status_code: lenientText,
  status_msg: lenientText,
  status_time: lenientTime,
  dtmf: lenientText,
  duration: lenientNumber,
  originate_time: lenientTime,
  ring_time: lenientTime,
  start_time: lenientTime,
  end_time: lenientTime,
  hangup_direction: lenientText,
  voice_type: lenientText,
  record_file: lenientText,
  record_begin_time: lenientTime,
});

/**
 * Validates and normalises one receipt of `messageType`.
 *
 * @example normaliseReceipt('VoiceReport', { call_id: '1^2', status_code: '200002', duration: '0' })
 *   // { ok: true, receipt: { callId: '1^2', status: 'busy', duration: 0, naturalKey: '1^2', ... } }
 */
export function normaliseReceipt(messageType: string, raw: Record<string, unknown>): NormaliseResult {
  const parsed = receiptSchema.safeParse(withInboundIds(raw));
  if (!parsed.success) return { ok: false, reason: 'call_id is missing or not a string' };
  const fields = parsed.data;
  const callId = fields.call_id;
  if (callId === '') return { ok: false, reason: 'call_id is empty' };
  if (callId.length > MAX_CALL_ID_CHARS) return { ok: false, reason: `call_id is longer than ${MAX_CALL_ID_CHARS} characters` };

  const receipt: NormalisedReceipt = {
    messageType,
    callId,
    naturalKey: naturalKeyOf(messageType, callId, raw, fields),
    outId: fields.out_id,
    statusCode: fields.status_code,
    smartStatusCode: fields.smart_status_code,
    statusMessage: fields.status_msg,
    status: statusForReceipt(messageType, {
      statusCode: fields.status_code,
      smartStatusCode: fields.smart_status_code,
      duration: fields.duration,
    }),
    statusTime: fields.status_time,
    dtmf: fields.dtmf,
    duration: fields.duration,
    originateTime: fields.originate_time,
    ringTime: fields.ring_time,
    startTime: fields.start_time,
    endTime: fields.end_time,
    hangupDirection: fields.hangup_direction,
    voiceType: fields.voice_type,
    recordFile: fields.record_file,
    recordBeginTime: fields.record_begin_time,
    raw,
  };
  for (const key of Object.keys(receipt) as (keyof NormalisedReceipt)[]) {
    if (receipt[key] === undefined) delete receipt[key];
  }
  return { ok: true, receipt };
}

/**
 * docs/alibaba/receipts.md#voicecallreport: receipts of inbound calls carry `biz_id` (the call's id,
 * in the same `a^b` form) and `extend` instead of `call_id` and `out_id`. They are stored as receipts
 * of the call `biz_id` names; `raw` keeps Alibaba's body as it came.
 */
function withInboundIds(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.call_id !== undefined || raw.biz_id === undefined) return raw;
  return { ...raw, call_id: raw.biz_id, ...(raw.out_id === undefined && raw.extend !== undefined ? { out_id: raw.extend } : {}) };
}

interface KeyFields {
  status_code?: string;
  status_time?: string;
  dtmf?: string;
}

/**
 * docs/alibaba/receipts.md#receipt-fields dedup keys: VoiceReport and VoiceRecordReport → call_id (one per call);
 * VoiceCallReport → call_id + status_code + status_time (+ dtmf, one per key press). Another
 * message type (configured but unknown to us) is keyed by a hash of its content, so the same
 * receipt delivered twice is still one item.
 */
function naturalKeyOf(messageType: string, callId: string, raw: Record<string, unknown>, fields: KeyFields): string {
  let key: string;
  switch (messageType) {
    case 'VoiceReport':
    case 'VoiceRecordReport':
      key = callId;
      break;
    case 'VoiceCallReport':
      key = [callId, fields.status_code ?? '', fields.status_time ?? '', ...(fields.dtmf === undefined ? [] : [fields.dtmf])].join('#');
      break;
    default:
      key = `${callId}#sha256:${sha256(stableJson(raw))}`;
  }
  return key.length > MAX_NATURAL_KEY_CHARS ? `sha256:${sha256(key)}` : key;
}

/** `2024-01-15 16:30:01` → `2024-01-15T16:30:01+08:00` (docs/alibaba/receipts.md#body-encoding: presumably China time). */
export function chinaTimeToIso(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  return match ? `${match[1]}T${match[2]}+08:00` : value;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so the same content always hashes the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

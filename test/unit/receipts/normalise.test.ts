import { describe, expect, it } from 'vitest';
import { normaliseReceipt, chinaTimeToIso, type NormalisedReceipt } from '#shared/receipts/normalise';
import { receiptMessageFrom } from '#shared/receipts/receiptMessage';
import { STATUS_BY_CODE, STATUS_BY_SMART_CODE, statusForReceipt, type CallStatus } from '#shared/calls/status';
import { voiceReport } from '../../support/receiptBodies.ts';

const CALL_ID = '116012354148^102813781234';

function normalised(messageType: string, raw: Record<string, unknown>) {
  const result = normaliseReceipt(messageType, raw);
  if (!result.ok) throw new Error(`expected a valid receipt, got: ${result.reason}`);
  return result.receipt;
}

describe('normaliseReceipt per message type (docs/alibaba/receipts.md#receipt-fields)', () => {
  it('VoiceReport: normalised fields beside the raw object; key = call_id', () => {
    // docs/alibaba/receipts.md#receipt-fields first illustrative body.
    const raw = voiceReport(CALL_ID);
    expect(normalised('VoiceReport', raw)).toEqual({
      messageType: 'VoiceReport',
      callId: CALL_ID,
      naturalKey: CALL_ID,
      outId: 'order-001',
      statusCode: '200000',
      smartStatusCode: 'ANSWERED',
      statusMessage: '执行完成',
      status: 'completed',
      duration: 22,
      originateTime: '2024-01-15T16:30:01+08:00',
      ringTime: '2024-01-15T16:30:04+08:00',
      startTime: '2024-01-15T16:30:09+08:00',
      endTime: '2024-01-15T16:30:31+08:00',
      hangupDirection: '用户',
      voiceType: 'voice',
      raw,
    });
  });

  it('VoiceCallReport: key = call_id + status_code + status_time (+ dtmf); a key press is in-progress', () => {
    // docs/alibaba/receipts.md#receipt-fields second illustrative body (IVR key press).
    const raw = { call_id: CALL_ID, out_id: 'ivr-1', status_code: '300000', smart_status_code: 'ANSWERED', dtmf: '1', status_time: '2024-01-15 16:31:12' };
    const receipt = normalised('VoiceCallReport', raw);
    expect(receipt).toMatchObject({ callId: CALL_ID, status: 'in-progress', dtmf: '1', statusTime: '2024-01-15T16:31:12+08:00' });
    expect(receipt.naturalKey).toBe(`${CALL_ID}#300000#2024-01-15T16:31:12+08:00#1`);
    // Another key press at the same second is another receipt; the same one again is the same key.
    expect(normalised('VoiceCallReport', { ...raw, dtmf: '2' }).naturalKey).not.toBe(receipt.naturalKey);
    expect(normalised('VoiceCallReport', { ...raw }).naturalKey).toBe(receipt.naturalKey);
    expect(normalised('VoiceCallReport', { call_id: CALL_ID, status_code: '200101', status_time: '2024-01-15 16:31:00' }).naturalKey).toBe(
      `${CALL_ID}#200101#2024-01-15T16:31:00+08:00`,
    );
  });

  it('VoiceRecordReport: the recording, no status; key = call_id', () => {
    // docs/alibaba/receipts.md#receipt-fields third illustrative body (numbers as numbers).
    const raw = {
      call_id: '116012854210^102814271234',
      out_id: 'smart-7',
      status_code: '200000',
      smart_status_code: 'ANSWERED',
      start_time: '2024-01-15 16:02:07',
      end_time: '2024-01-15 16:03:07',
      duration: 60,
      record_file: 'https://example.invalid/record.wav?Expires=1&Signature=x',
      record_begin_time: '2024-01-15 16:02:11',
    };
    const receipt = normalised('VoiceRecordReport', raw);
    expect(receipt).toMatchObject({ naturalKey: '116012854210^102814271234', duration: 60, recordFile: raw.record_file, recordBeginTime: '2024-01-15T16:02:11+08:00' });
    expect(receipt).not.toHaveProperty('status');
  });

  it('a message type it does not know is keyed by its content', () => {
    const a = normalised('SomeOtherReport', { call_id: CALL_ID, x: 1, y: [1, 2] });
    const b = normalised('SomeOtherReport', { y: [1, 2], x: 1, call_id: CALL_ID });
    const c = normalised('SomeOtherReport', { call_id: CALL_ID, x: 2 });
    expect(a.naturalKey).toBe(b.naturalKey);
    expect(a.naturalKey).not.toBe(c.naturalKey);
    expect(a).not.toHaveProperty('status');
  });
});

describe('normaliseReceipt and `__proto__` (docs/security.md#input-limits)', () => {
  it('keeps a `__proto__` key as data in raw, and never reads a field through it', () => {
    const raw = JSON.parse('{"call_id":"1^2","__proto__":{"status_code":"200005","duration":"9"}}') as Record<string, unknown>;

    const result = normaliseReceipt('VoiceReport', raw);

    expect(result.ok).toBe(true);
    const { raw: kept, ...fields } = (result as { receipt: NormalisedReceipt }).receipt;
    const { raw: _plain, ...plainFields } = (normaliseReceipt('VoiceReport', { call_id: '1^2' }) as { receipt: NormalisedReceipt }).receipt;
    expect(fields).toEqual(plainFields);
    expect(fields.statusCode).toBeUndefined();
    expect(Object.keys(kept)).toEqual(['call_id', '__proto__']);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
  });
});

describe('natural keys: one stored item per receipt, within the key size DynamoDB allows', () => {
  it('a message type it does not know: receipts that differ in any value are different receipts', () => {
    const key = (raw: Record<string, unknown>) => normalised('SomeOtherReport', { call_id: CALL_ID, ...raw }).naturalKey;
    expect(key({ x: 1 })).not.toBe(key({ x: 2 }));
    expect(key({ x: '1' })).not.toBe(key({ x: 1 }));
    expect(key({ x: null })).not.toBe(key({ x: 'null' }));
    expect(key({ y: [1, 2] })).not.toBe(key({ y: [2, 1] }));
    expect(key({ z: { a: 1 } })).not.toBe(key({ z: { a: 2 } }));
    expect(key({ z: { a: 1 } })).not.toBe(key({ z: { b: 1 } }));
    // The same content is the same receipt, whatever the order of the keys, at every depth.
    expect(key({ z: { a: 1, b: [{ c: 1, d: 2 }] } })).toBe(key({ z: { b: [{ d: 2, c: 1 }], a: 1 } }));
    expect(key({ x: 1 })).toMatch(new RegExp(`^${CALL_ID.replace('^', '\\^')}#sha256:[0-9a-f]{64}$`));
  });

  it('a key of up to 400 characters is kept; a longer one is replaced by its SHA-256', () => {
    const callId = 'c'.repeat(256);
    const atLimit = { call_id: callId, status_code: '200101', status_time: 't'.repeat(400 - 256 - '#200101#'.length) };
    expect(normalised('VoiceCallReport', atLimit).naturalKey).toBe(`${callId}#200101#${atLimit.status_time}`);
    const over = { ...atLimit, status_time: `${atLimit.status_time}u` };
    const hashed = normalised('VoiceCallReport', over).naturalKey;
    expect(hashed).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Still one key per receipt: another receipt over the limit has another hash, the same one the same.
    expect(normalised('VoiceCallReport', { ...over, status_time: `${atLimit.status_time}v` }).naturalKey).not.toBe(hashed);
    expect(normalised('VoiceCallReport', { ...over }).naturalKey).toBe(hashed);
  });

  it('text fields are trimmed, so a padded code is the code and the same receipt', () => {
    const receipt = normalised('VoiceReport', { call_id: ` ${CALL_ID} `, out_id: ' order-001 ', status_code: ' 200002 ', smart_status_code: ' USER_BUSY ', end_time: ' 2024-01-15 16:30:31 ' });
    expect(receipt).toMatchObject({ callId: CALL_ID, naturalKey: CALL_ID, outId: 'order-001', statusCode: '200002', smartStatusCode: 'USER_BUSY', status: 'busy', endTime: '2024-01-15T16:30:31+08:00' });
    const progress = normalised('VoiceCallReport', { call_id: CALL_ID, status_code: ' 200201 ', status_time: '2024-01-15 16:31:00 ', dtmf: ' 1 ' });
    expect(progress).toMatchObject({ status: 'ringing', dtmf: '1', naturalKey: `${CALL_ID}#200201#2024-01-15T16:31:00+08:00#1` });
    expect(normalised('VoiceReport', { call_id: CALL_ID, status_code: '   ' })).not.toHaveProperty('statusCode');
  });
});

describe('normaliseReceipt leniency (docs/alibaba/receipts.md#body-encoding)', () => {
  it.each([
    ['a numeric string', '7', 7],
    ['a number', 7, 7],
    ['a padded string', ' 7 ', 7],
    ['zero as a string', '0', 0],
    ['an empty string', '', undefined],
    ['a blank string', '   ', undefined],
    ['text', 'seven', undefined],
    ['an object', { seconds: 7 }, undefined],
  ])('duration given as %s', (_label, duration, expected) => {
    const receipt = normalised('VoiceReport', { call_id: CALL_ID, status_code: '200003', duration });
    expect(receipt.duration).toBe(expected);
    expect(receipt.raw.duration).toEqual(duration);
  });

  it('codes given as numbers are read as text', () => {
    expect(normalised('VoiceReport', { call_id: CALL_ID, status_code: 200002 })).toMatchObject({ statusCode: '200002', status: 'busy' });
  });

  it('empty strings mean "none"; times of another shape are kept as sent', () => {
    const receipt = normalised('VoiceReport', { call_id: CALL_ID, status_code: '200003', ring_time: '', start_time: '', end_time: '2024-01-15T08:30:31Z' });
    expect(receipt).not.toHaveProperty('ringTime');
    expect(receipt).not.toHaveProperty('startTime');
    expect(receipt.endTime).toBe('2024-01-15T08:30:31Z');
  });

  it.each([
    ['missing', {}, 'call_id is missing or not a string'],
    ['null', { call_id: null }, 'call_id is missing or not a string'],
    ['empty', { call_id: '' }, 'call_id is empty'],
    ['blank', { call_id: '   ' }, 'call_id is empty'],
    ['an object', { call_id: { id: 1 } }, 'call_id is missing or not a string'],
    ['absurdly long', { call_id: 'x'.repeat(300) }, 'call_id is longer than 256 characters'],
    ['one character too long', { call_id: 'x'.repeat(257) }, 'call_id is longer than 256 characters'],
  ])('call_id %s → invalid', (_label, raw, reason) => {
    expect(normaliseReceipt('VoiceReport', { status_code: '200000', ...raw })).toStrictEqual({ ok: false, reason });
  });

  it('a call_id of 256 characters, or given as a number, is valid', () => {
    expect(normalised('VoiceReport', { call_id: 'x'.repeat(256) }).callId).toHaveLength(256);
    expect(normalised('VoiceReport', { call_id: 116012354148 }).callId).toBe('116012354148');
  });

  it('a progress receipt without a code or a time still gets a key of its own parts', () => {
    expect(normalised('VoiceCallReport', { call_id: CALL_ID }).naturalKey).toBe(`${CALL_ID}##`);
    expect(normalised('VoiceCallReport', { call_id: CALL_ID, status_time: '2024-01-15 16:31:00' }).naturalKey).toBe(`${CALL_ID}##2024-01-15T16:31:00+08:00`);
  });

  it('inbound VoiceCallReports (biz_id and extend instead of call_id and out_id, docs/alibaba/receipts.md#voicecallreport) are receipts of the call biz_id names', () => {
    const raw = { biz_id: '116012354148^102813781234', extend: 'ticket-77', status_code: '200201', status_time: '2026-11-24 23:41:03' };
    const result = normaliseReceipt('VoiceCallReport', raw);
    expect(result).toEqual({
      ok: true,
      receipt: expect.objectContaining({
        callId: '116012354148^102813781234',
        outId: 'ticket-77',
        statusCode: '200201',
        status: 'ringing',
        naturalKey: '116012354148^102813781234#200201#2026-11-24T23:41:03+08:00',
        raw,
      }),
    });
  });

  it('call_id and out_id win over biz_id and extend when a receipt carries both', () => {
    const result = normaliseReceipt('VoiceCallReport', { call_id: '1^2', out_id: 'order-1', biz_id: '3^4', extend: 'x', status_code: '200101' });
    expect(result).toMatchObject({ ok: true, receipt: { callId: '1^2', outId: 'order-1' } });
  });

  it('an inbound receipt with extend but its own out_id keeps out_id; one with neither id is invalid', () => {
    expect(normaliseReceipt('VoiceCallReport', { biz_id: '3^4', out_id: 'order-2', extend: 'x', status_code: '200101' })).toMatchObject({ ok: true, receipt: { outId: 'order-2' } });
    expect(normaliseReceipt('VoiceCallReport', { extend: 'x', status_code: '200101' }).ok).toBe(false);
  });
});

describe('status table (docs/alibaba/receipts.md#status-codes → README.md vocabulary)', () => {
  const voiceReport: [code: string, status: CallStatus][] = [
    ['200000', 'completed'],
    ['200001', 'completed'],
    ['200008', 'completed'],
    ['200100', 'completed'],
    ['200002', 'busy'],
    ['200112', 'busy'],
    ['200003', 'no-answer'],
    ['200113', 'no-answer'],
    ['200004', 'failed'],
    ['200005', 'failed'],
    ['200006', 'failed'],
    ['200007', 'failed'],
    ['200010', 'failed'],
    ['200011', 'failed'],
    ['200012', 'failed'],
    ['200104', 'failed'],
    ['200105', 'failed'],
    ['200111', 'failed'],
    ['200116', 'failed'],
    ['200117', 'failed'],
    ['200118', 'failed'],
    ['200119', 'failed'],
    ['200120', 'failed'],
    ['200121', 'failed'],
    ['200130', 'failed'],
    ['9996', 'failed'],
    ['999999', 'failed'],
    ['500', 'failed'],
    ['400', 'failed'],
    ['482', 'failed'],
    ['476', 'failed'],
  ];
  it.each(voiceReport)('VoiceReport %s → %s', (code, status) => {
    expect(normalised('VoiceReport', { call_id: CALL_ID, status_code: code, duration: '0' }).status).toBe(status);
  });

  const voiceCallReport: [code: string, status: CallStatus | undefined][] = [
    ['200101', 'ringing'],
    ['200102', 'ringing'],
    ['200201', 'ringing'],
    ['200103', 'in-progress'],
    ['300000', 'in-progress'],
    // "ended" and any other code: the outcome is VoiceReport's to say.
    ['200100', undefined],
    ['200000', undefined],
    ['200002', undefined],
  ];
  it.each(voiceCallReport)('VoiceCallReport %s → %s', (code, status) => {
    expect(normalised('VoiceCallReport', { call_id: CALL_ID, status_code: code }).status).toBe(status);
  });

  it.each([
    ['CANCEL', 'cancelled'],
    [undefined, 'failed'],
  ])('VoiceReport 9996 (not established) with smart_status_code %s → %s', (smart, status) => {
    expect(normalised('VoiceReport', { call_id: CALL_ID, status_code: '9996', ...(smart ? { smart_status_code: smart } : {}) }).status).toBe(status);
  });

  it.each([
    ['ANSWERED', 'completed'],
    ['USER_BUSY', 'busy'],
    ['NO_ANSWER', 'no-answer'],
    ['CANCEL', 'cancelled'],
    ['POWERED_OFF', 'failed'],
    ['answered', 'completed'],
  ])('VoiceReport with an unknown status_code falls back to smart_status_code %s → %s', (smart, status) => {
    expect(statusForReceipt('VoiceReport', { statusCode: '123456', smartStatusCode: smart })).toBe(status);
  });

  it('status_code wins over smart_status_code when both are known', () => {
    expect(statusForReceipt('VoiceReport', { statusCode: '200002', smartStatusCode: 'ANSWERED' })).toBe('busy');
  });

  it('a VoiceReport with no known code is completed if someone talked, else failed', () => {
    expect(statusForReceipt('VoiceReport', { statusCode: '123456', duration: 12 })).toBe('completed');
    expect(statusForReceipt('VoiceReport', { statusCode: '123456', smartStatusCode: 'OTHER', duration: 0 })).toBe('failed');
    expect(statusForReceipt('VoiceReport', {})).toBe('failed');
  });

  it('VoiceRecordReport and unknown types imply no status', () => {
    expect(statusForReceipt('VoiceRecordReport', { statusCode: '200000', smartStatusCode: 'ANSWERED', duration: 60 })).toBeUndefined();
    expect(statusForReceipt('SmsReport', { statusCode: '200000' })).toBeUndefined();
  });

  it('codes that name Object.prototype members are unknown codes, not functions', () => {
    expect(statusForReceipt('VoiceCallReport', { statusCode: 'constructor' })).toBeUndefined();
    expect(statusForReceipt('VoiceReport', { statusCode: '__proto__', smartStatusCode: 'toString' })).toBe('failed');
    expect(statusForReceipt('constructor', { statusCode: 'toString' })).toBeUndefined();
  });

  it('every status in the tables is a README.md status', () => {
    const vocabulary = ['placed', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'cancelled'];
    const all = [...Object.values(STATUS_BY_CODE).flatMap((table) => Object.values(table)), ...Object.values(STATUS_BY_SMART_CODE)];
    for (const status of all) expect(vocabulary).toContain(status);
  });
});

describe('chinaTimeToIso', () => {
  it('tags yyyy-MM-dd HH:mm:ss as China time and leaves anything else alone', () => {
    expect(chinaTimeToIso('2024-01-15 16:30:01')).toBe('2024-01-15T16:30:01+08:00');
    expect(Date.parse(chinaTimeToIso('2024-01-15 16:30:01'))).toBe(Date.parse('2024-01-15T08:30:01Z'));
    expect(chinaTimeToIso('15/01/2024')).toBe('15/01/2024');
    // Only the whole text: nothing before or after it.
    expect(chinaTimeToIso('x2024-01-15 16:30:01')).toBe('x2024-01-15 16:30:01');
    expect(chinaTimeToIso('2024-01-15 16:30:01.5')).toBe('2024-01-15 16:30:01.5');
  });
});

describe('receiptMessageFrom (decode + normalise one MNS message)', () => {
  const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
  const message = (body: string) => ({ messageId: 'M1', enqueueTime: 1_705_307_401_000, body });

  it('a valid body gives its receipts and nothing invalid', () => {
    const result = receiptMessageFrom('VoiceReport', message(base64({ call_id: CALL_ID, status_code: '200000' })));
    expect(result).toMatchObject({ messageId: 'M1', messageType: 'VoiceReport', enqueueTime: 1_705_307_401_000 });
    expect(result.receipts).toHaveLength(1);
    expect(result.invalid).toBeUndefined();
  });

  it('an undecodable body is carried raw with the reason', () => {
    const result = receiptMessageFrom('VoiceReport', message('%%% poison %%%'));
    expect(result.receipts).toEqual([]);
    expect(result.invalid).toEqual({ rawBody: '%%% poison %%%', reason: expect.any(String) });
  });

  it('an array with one bad entry keeps the good ones and carries the raw body too', () => {
    const body = base64([{ call_id: CALL_ID, status_code: '200000' }, { status_code: '200000' }]);
    const result = receiptMessageFrom('VoiceReport', message(body));
    expect(result.receipts.map((receipt) => receipt.callId)).toEqual([CALL_ID]);
    expect(result.invalid).toEqual({ rawBody: body, reason: expect.stringContaining('receipt 1') });
  });
});

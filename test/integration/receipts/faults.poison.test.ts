/**
 * Poison messages (docs/receipts.md: "a body that cannot be decoded or parsed is stored raw as
 * an invalid receipt (and then deleted) instead of looping forever"; docs/alibaba/receipts.md#body-encoding decoding). Each is
 * kept under pk `INVALID#<MessageType>`, sk `<EnqueueTime ISO>#<MessageId>`, with its body exactly
 * as sent, a reason and a TTL in epoch seconds, and deleted from the queue in the same poll; the
 * good receipts around them are stored as usual.
 */
import { describe, expect, it } from 'vitest';
import {
  auditedReceiptsSuite,
  enqueueReceipts,
  expectQueuesEmpty,
  expectStoredExactlyOnce,
  expectTtlSeconds,
  invalidItemsOf,
  getCall,
  pollUntilEmpty,
  receiptItemsOf,
  sumStats,
  totals,
  uniquePrefix,
} from './support.ts';

// A short visibility timeout: a poison message that was not deleted would come straight back.
const suite = auditedReceiptsSuite({ receiptDelayMs: 0, visibilityTimeoutMs: 1_000 });

const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

/** Bodies Alibaba should never send, each of a different kind. */
const POISON: Record<string, string> = {
  'non-Base64 garbage': '%%% not a receipt %%%',
  'XML-special characters': '<not> & a "receipt"',
  'Base64 of text that is not JSON': base64('this is not JSON'),
  'Base64 of bytes that are not UTF-8': base64(Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x81])),
  'Base64 of JSON without call_id': base64(JSON.stringify({ status_code: '200000', duration: '22' })),
  'Base64 of JSON with an empty call_id': base64(JSON.stringify({ call_id: '', status_code: '200000' })),
  'Base64 of JSON whose call_id is an object': base64(JSON.stringify({ call_id: { id: 1 }, status_code: '200000' })),
  'Base64 of JSON null': base64('null'),
  'Base64 of an empty JSON array': base64('[]'),
  'truncated raw JSON': '{"call_id":"116012354148^1028","status_code":"2000',
  'an empty body': '',
  // About 10 KB: used to overflow the stack in the receipt store, stalling its queue on every poll (docs/security.md#input-limits).
  'Base64 of a receipt nested 4,500 deep': base64(`{"call_id":"116012354148^1029","x":${'['.repeat(4_500)}${']'.repeat(4_500)}}`),
};

describe('poison bodies', () => {
  it('are stored raw under INVALID#, deleted in the same poll, never redelivered; good receipts around them are stored', async () => {
    const prefix = uniquePrefix('poison');
    const good = [
      ...enqueueReceipts(suite.bundle.sandbox, 'VoiceReport', [{ call_id: `${prefix}-{n}^1`, status_code: '200000', duration: '5' }], 3),
      ...enqueueReceipts(suite.bundle.sandbox, 'VoiceCallReport', [{ call_id: `${prefix}-{n}^1`, status_code: '200101', status_time: '2024-01-15 16:30:01' }], 3),
    ];
    const poisonIds = new Map<string, { messageType: 'VoiceReport' | 'VoiceCallReport' | 'VoiceRecordReport'; body: string; name: string }>();
    Object.entries(POISON).forEach(([name, body], index) => {
      const messageType = (['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'] as const)[index % 3]!;
      const { messageIds } = suite.bundle.sandbox.control.enqueue({ messageType, bodies: [body] });
      poisonIds.set(messageIds[0]!, { messageType, body, name });
    });
    const total = good.length + poisonIds.size;

    const result = await suite.bundle.poll();

    // Every message received once and deleted: nothing left to loop on.
    expect(totals(suite.bundle.sandbox)).toMatchObject({ visible: 0, inFlight: 0, receivedTotal: total, deletedTotal: total });
    expect(sumStats([result.queues], 'invalid')).toBe(poisonIds.size);
    expect(sumStats([result.queues], 'notStored')).toBe(0);
    for (const queue of result.queues) expect(queue.stoppedBecause).toBe('empty');

    for (const [messageId, { messageType, body, name }] of poisonIds) {
      const items = await invalidItemsOf(messageType, [messageId]);
      expect(items, name).toHaveLength(1);
      const [item] = items;
      expect(item, name).toMatchObject({ messageId, messageType, rawBody: body, reason: expect.any(String) });
      expect(item!.reason, name).not.toBe('');
      expect(String(item!.sk).endsWith(`#${messageId}`), name).toBe(true);
      expect(Date.parse(String(item!.sk).slice(0, -messageId.length - 1)), name).toBe(Date.parse(item!.receivedAt));
      expectTtlSeconds(item!);
    }
    await expectStoredExactlyOnce(good);

    // A later poll finds nothing: the poison is gone for good, and its INVALID# items are not doubled.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await suite.bundle.poll();
    expect(totals(suite.bundle.sandbox).receivedTotal).toBe(total);
    for (const [messageId, { messageType }] of poisonIds) expect(await invalidItemsOf(messageType, [messageId])).toHaveLength(1);
  });

  it('a poison message redelivered (its delete failed) is still one INVALID# item', async () => {
    const { messageIds } = suite.bundle.sandbox.control.enqueue({ messageType: 'VoiceRecordReport', bodies: ['%%% twice %%%', base64('still not JSON')] });
    // Every delete attempt of the first poll fails: both messages come back after the visibility timeout.
    suite.bundle.sandbox.control.addFault({ target: 'mns-delete', error: { code: 'InternalError' }, count: 3 });

    await suite.bundle.poll().catch(() => undefined);
    expect(totals(suite.bundle.sandbox).deletedTotal).toBe(0);
    await pollUntilEmpty(suite.bundle);

    expect(totals(suite.bundle.sandbox)).toMatchObject({ receivedTotal: 4, deletedTotal: 2 });
    expect(await invalidItemsOf('VoiceRecordReport', messageIds)).toHaveLength(2);
    expectQueuesEmpty(suite.bundle.sandbox, 2);
  });

  it('a body holding usable and unusable receipts: the usable one is stored (and moves its call), the whole body is kept raw as well', async () => {
    const callId = `${uniquePrefix('mixedBody')}-1^1`;
    const body = base64(JSON.stringify([{ call_id: callId, status_code: '200002', smart_status_code: 'USER_BUSY' }, { status_code: '200000' }]));
    const { messageIds } = suite.bundle.sandbox.control.enqueue({ messageType: 'VoiceReport', bodies: [body] });

    const result = await suite.bundle.poll();

    expect(result.queues.find((queue) => queue.messageType === 'VoiceReport')).toMatchObject({ received: 1, stored: 1, deleted: 1, invalid: 1 });
    const [receipt] = await receiptItemsOf(callId);
    expect(receipt).toMatchObject({ callId, statusCode: '200002', status: 'busy', raw: { call_id: callId, status_code: '200002', smart_status_code: 'USER_BUSY' } });
    expect((await getCall(suite.bundle, callId)).body.status).toBe('busy');
    expect(await invalidItemsOf('VoiceReport', messageIds)).toEqual([expect.objectContaining({ rawBody: body })]);
    expectQueuesEmpty(suite.bundle.sandbox, 1);
  });

  it('a receipt sent as plain JSON instead of Base64 is accepted as a receipt (docs/alibaba/receipts.md#body-encoding fallback), not as poison', async () => {
    const callId = `${uniquePrefix('rawJson')}-1^1`;
    const receipt = { call_id: callId, status_code: '200003', smart_status_code: 'NO_ANSWER', duration: 0 };
    suite.bundle.sandbox.control.enqueue({ messageType: 'VoiceReport', bodies: [JSON.stringify(receipt)] });

    const result = await suite.bundle.poll();

    expect(result.queues.find((queue) => queue.messageType === 'VoiceReport')).toMatchObject({ stored: 1, deleted: 1, invalid: 0 });
    await expectStoredExactlyOnce([{ messageType: 'VoiceReport', receipt }]);
    expect((await getCall(suite.bundle, callId)).body.status).toBe('no-answer');
  });

  it('a plain-JSON receipt with CRLF line breaks arrives intact (XML character references decoded) and moves its call', async () => {
    const callId = `${uniquePrefix('crlf')}-1^1`;
    suite.bundle.sandbox.control.enqueue({ messageType: 'VoiceReport', bodies: [`{"call_id":"${callId}",\r\n"status_code":"200002"}`] });

    const result = await suite.bundle.poll();

    expect(result.queues.find((queue) => queue.messageType === 'VoiceReport')).toMatchObject({ stored: 1, deleted: 1, invalid: 0 });
    expect((await getCall(suite.bundle, callId)).body.status).toBe('busy');
  });

  it('keeps a poison body byte for byte: leading and trailing white space and carriage returns included', async () => {
    const body = '  not\r\na receipt  ';
    const { messageIds } = suite.bundle.sandbox.control.enqueue({ messageType: 'VoiceRecordReport', bodies: [body] });

    await suite.bundle.poll();

    expect(await invalidItemsOf('VoiceRecordReport', messageIds)).toEqual([expect.objectContaining({ rawBody: body })]);
  });
});

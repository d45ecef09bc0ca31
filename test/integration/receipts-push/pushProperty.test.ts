/**
 * Property: whatever receipt-like array Alibaba (or anything holding the token) pushes, the handler
 * neither throws nor answers 5xx while DynamoDB is up, answers {"code":0}, and every entry ends up
 * stored, as a receipt under its call or raw as an invalid receipt.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccepted, invalidItemsOfPush, itemsOf, loadPushHandler, push, type PushHandler } from './support.ts';

let handler: PushHandler;

beforeAll(async () => {
  handler = await loadPushHandler();
});

const run = `${Date.now()}${process.pid}`;
/** A few CallIds per run, so receipts of one call meet (status races, duplicates within a push). */
const callId = fc.constantFrom(`${run}1^1`, `${run}2^2`, `${run}3^3`);
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constant(''));
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e300, -1e-200, 0));
const scalar = fc.oneof(text, number, fc.boolean(), fc.constant(null));

/** Objects shaped like docs/alibaba/receipts.md#receipt-fields receipts, with every field possibly missing, mistyped or odd. */
const receiptLike = fc.record(
  {
    call_id: fc.oneof(callId, callId, text, fc.integer(), fc.constant(null), fc.constant('x'.repeat(300))),
    status_code: fc.oneof(fc.constantFrom('200000', '200002', '200003', '200101', '200103', '300000', '999999'), text, number),
    smart_status_code: fc.oneof(fc.constantFrom('ANSWERED', 'USER_BUSY', 'CANCEL'), text),
    status_time: fc.oneof(fc.constantFrom('2024-01-15 16:30:01', '2024-01-15 16:30:09'), text),
    duration: fc.oneof(fc.constantFrom('22', '0', 7), text, number),
    dtmf: fc.oneof(fc.constantFrom('1', '#'), text),
    out_id: text,
    extra: fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

const entry = fc.oneof({ weight: 30, arbitrary: receiptLike }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });

describe('pushReceipts, arbitrary receipt-like arrays', () => {
  it('never throws nor answers 5xx; answers code 0; stores every entry somewhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'),
        fc.array(entry, { maxLength: 8 }),
        async (messageType, body) => {
          const response = await push(handler, { messageType, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

          expectAccepted(response);
          const pushId = `push-${response.requestId}`;
          const invalid = new Set((await invalidItemsOfPush(messageType, response.requestId)).map((item) => String(item.messageId)));
          if (!body.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item)) || body.length === 0) {
            // Not an array of objects: the body is one invalid receipt.
            expect([...invalid]).toEqual([pushId]);
            return;
          }
          for (const [index, item] of body.entries()) {
            if (invalid.has(`${pushId}-${index}`)) continue;
            // Otherwise the entry is a receipt under its call (a duplicate of it in the same push may hold the item).
            const callId = String((item as { call_id?: unknown }).call_id).trim();
            const fromThisPush = (await itemsOf(`CALL#${callId}`)).filter((stored) => String(stored.messageId).startsWith(`${pushId}-`));
            expect(fromThisPush.length, `entry ${index}: ${JSON.stringify(item).slice(0, 200)}`).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

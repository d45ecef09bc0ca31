/**
 * The REJECTED items store (shared/store/rejectedRequests.ts) against DynamoDB Local's calls table.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RejectedRequest } from '#shared/callRequests/messages';
import { DynamoRejectedRequestStore, MAX_REJECTED_BODY_CHARS, MAX_REJECTED_ERRORS, MAX_REJECTED_REASON_CHARS } from '#shared/store/rejectedRequests';
import { readRejected, testDynamo } from './harness.ts';

const NOW = Date.parse('2026-11-24T15:41:00.000Z');
const store = new DynamoRejectedRequestStore(testDynamo(), process.env.CALLS_TABLE!, 30, () => NOW);

function rejection(body: string): RejectedRequest {
  return {
    source: 'sqs',
    messageId: randomUUID(),
    receivedAt: '2026-11-24T15:40:59.123Z',
    reason: 'Invalid request: body: is not valid JSON',
    code: 'VALIDATION_FAILED',
    errors: [{ path: 'body', message: 'is not valid JSON' }],
    body,
  };
}

describe('DynamoRejectedRequestStore', () => {
  it('writes one item per request, with the contract\'s keys, fields and a TTL in epoch seconds from now', async () => {
    const request = rejection('{"type":');

    await store.record(request);
    await store.record(request); // a redelivery rewrites the same item

    const items = await readRejected('sqs', [request.messageId]);
    expect(items).toHaveLength(1);
    expect(items[0]).toEqual({
      pk: 'REJECTED#sqs',
      sk: `2026-11-24T15:40:59.123Z#${request.messageId}`,
      source: 'sqs',
      messageId: request.messageId,
      receivedAt: '2026-11-24T15:40:59.123Z',
      storedAt: '2026-11-24T15:41:00.000Z',
      reason: request.reason,
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'body', message: 'is not valid JSON' }],
      body: '{"type":',
      expiresAt: NOW / 1000 + 30 * 86_400,
    });
  });

  it('cuts a long body to MAX_REJECTED_BODY_CHARS characters', async () => {
    const request = rejection('x'.repeat(MAX_REJECTED_BODY_CHARS + 5));

    await store.record(request);

    const [item] = await readRejected('sqs', [request.messageId]);
    expect(item!.body).toHaveLength(MAX_REJECTED_BODY_CHARS);
    expect(item).toMatchObject({ bodyTruncated: true, bodyLength: MAX_REJECTED_BODY_CHARS + 5 });
  });

  it('keeps a refusal naming 40,000 unknown fields under DynamoDB\'s item limit: the first issues, their count, the reason cut (docs/security.md#input-limits)', async () => {
    const errors = Array.from({ length: 40_000 }, (_, index) => ({ path: `unknownField${index}`, message: 'is not a known field' }));
    const request = { ...rejection('{}'), reason: `Invalid request: ${errors.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`, errors };

    await store.record(request);

    const [item] = await readRejected('sqs', [request.messageId]);
    expect(item!.errors).toEqual(errors.slice(0, MAX_REJECTED_ERRORS));
    expect(item!.errorCount).toBe(40_000);
    expect(item!.reason).toHaveLength(MAX_REJECTED_REASON_CHARS);
    expect(request.reason.startsWith(item!.reason.slice(0, -1))).toBe(true);
    expect(item!.reason.endsWith('…')).toBe(true);
  });

  it('keeps a body of multi-byte characters under DynamoDB\'s item limit, without a split character', async () => {
    const request = rejection('号'.repeat(150_000)); // 450,000 UTF-8 bytes: more than an item may hold

    await store.record(request);

    const [item] = await readRejected('sqs', [request.messageId]);
    expect(Buffer.byteLength(item!.body, 'utf8')).toBeLessThanOrEqual(300 * 1024);
    expect(item!.body).toMatch(/^号+$/);
    expect(item).toMatchObject({ bodyTruncated: true, bodyLength: 150_000 });
  });
});

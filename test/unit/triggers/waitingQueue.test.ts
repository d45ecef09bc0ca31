/**
 * The waiting attribute of a request sent back to wait for its flow-control window
 * (shared/triggers/waitingQueue.ts, docs/flow-control.md#queued-requests-wait): the bundle takes the
 * origin it names — another message's id, another caller's key — only when the bundle sealed it.
 * Any producer can write the attribute; none can make a message stand for another's.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callers } from '#shared/calls/callers';
import { delaySecondsUntil, MAX_DELAY_SECONDS, verifiedOrigin, type WaitingOrigin } from '#shared/triggers/waitingQueue';

const hash = (text: string) => createHmac('sha256', 'the stage key').update(text).digest('base64url');
const ORIGIN: WaitingOrigin = { source: 'sqs', messageId: 'm-1', receivedAt: '2026-12-06T10:00:00.000Z', caller: callers.aws('AIDAEXAMPLEUSER') };

/** The attribute as SqsWaitingQueue.sendBack writes it: the origin and its seal over the fields in order. */
const sealed = (origin: WaitingOrigin, key = hash) =>
  JSON.stringify({ ...origin, seal: key(JSON.stringify([origin.source, origin.messageId, origin.receivedAt, origin.caller])) });

describe('verifiedOrigin', () => {
  it('takes the origin the bundle sealed', () => {
    expect(verifiedOrigin(sealed(ORIGIN), hash)).toEqual(ORIGIN);
    const fromTheBus: WaitingOrigin = { ...ORIGIN, source: 'eventbridge', caller: callers.account('123456789012') };
    expect(verifiedOrigin(sealed(fromTheBus), hash)).toEqual(fromTheBus);
  });

  it.each([
    ['no seal', JSON.stringify(ORIGIN)],
    ['a seal made with another key', sealed(ORIGIN, (text) => createHmac('sha256', 'a guess').update(text).digest('base64url'))],
    ['another caller under a copied seal', JSON.stringify({ ...JSON.parse(sealed(ORIGIN)), caller: callers.aws('AIDAANOTHERUSER') })],
    ['another message id under a copied seal', JSON.stringify({ ...JSON.parse(sealed(ORIGIN)), messageId: 'm-2' })],
    ['a seal of another length', JSON.stringify({ ...ORIGIN, seal: 'short' })],
    ['a seal that is not text', JSON.stringify({ ...ORIGIN, seal: 42 })],
    ['an unknown source', sealed({ ...ORIGIN, source: 'http' as WaitingOrigin['source'] })],
    ['a message id with spaces', sealed({ ...ORIGIN, messageId: 'm 1' })],
    ['a time that is not one', sealed({ ...ORIGIN, receivedAt: 'yesterday' })],
    ['text that is not JSON', '{"source":'],
    ['an attribute over 2 KiB', sealed({ ...ORIGIN, messageId: 'm'.repeat(128), caller: callers.jwt('https://issuer.example/'.padEnd(2_000, 'x'), 'user') })],
  ])('refuses %s: the message is an ordinary one', (_case, attribute) => {
    expect(verifiedOrigin(attribute, hash)).toBeUndefined();
  });

  it('treats a message without the attribute as an ordinary one', () => {
    expect(verifiedOrigin(undefined, hash)).toBeUndefined();
  });
});

describe('delaySecondsUntil', () => {
  it('is the whole seconds until the window opens, rounded up, within SQS 0-900', () => {
    const now = Date.parse('2026-12-06T10:00:00.000Z');
    expect(delaySecondsUntil(now + 59_001, now)).toBe(60);
    expect(delaySecondsUntil(now - 5_000, now)).toBe(0);
    expect(delaySecondsUntil(now + 3_600_000, now)).toBe(MAX_DELAY_SECONDS);
  });
});

/**
 * How a queued or event call request's failure is treated (shared/callRequests/messageFailures.ts): kept
 * as REJECTED (permanent), delivered again (transient), left to wait for its flow-control window
 * (wait), or never retried (outcome unknown).
 */
import { describe, expect, it } from 'vitest';
import { classifyRequestFailure } from '#shared/callRequests/messageFailures';
import { AlibabaError, FlowControlError, IdempotencyConflictError, IdempotencyInProgressError, ValidationError, type AlibabaErrorKind } from '#shared/errors';

describe('classifyRequestFailure', () => {
  it('a validation failure is permanent, with its field issues', () => {
    const issues = [{ path: 'playTimes', message: 'must be at most 3' }];

    expect(classifyRequestFailure(new ValidationError(issues))).toEqual({
      kind: 'permanent',
      code: 'VALIDATION_FAILED',
      reason: 'Invalid request: playTimes: must be at most 3',
      errors: issues,
    });
  });

  it('a key reused for another request is permanent (IDEMPOTENCY_CONFLICT)', () => {
    expect(classifyRequestFailure(new IdempotencyConflictError())).toMatchObject({ kind: 'permanent', code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('a duplicate still in flight is transient: delivered again, it replays the first outcome', () => {
    expect(classifyRequestFailure(new IdempotencyInProgressError())).toMatchObject({ kind: 'transient', code: 'IDEMPOTENCY_IN_PROGRESS', expected: true });
  });

  it.each<[AlibabaErrorKind, string, string, boolean?]>([
    ['rejected', 'isv.MOBILE_NUMBER_ILLEGAL', 'permanent'],
    ['rejected', 'InvalidParameter', 'permanent'],
    ['throttled', 'Throttling.User', 'transient', true],
    ['transient', 'isp.SYSTEM_ERROR', 'transient', true],
    ['transient', 'DeadlineExceeded', 'transient', true],
    // An operator must act; the request itself is fine, so it is retried and ends in the DLQ.
    ['account', 'isv.AMOUNT_NOT_ENOUGH', 'transient', false],
    ['account', 'SignatureDoesNotMatch', 'transient', false],
    // Never retried: a second attempt could place a second call (docs/alibaba/errors.md#gateway-codes).
    ['ambiguous', 'RequestOutcomeUnknown', 'unknown'],
  ])('Alibaba %s (%s) is %s', (kind, code, expected, expectedFlag) => {
    const failure = classifyRequestFailure(new AlibabaError(kind, code, 'message', { requestId: 'REQ-9' }));

    expect(failure.kind).toBe(expected);
    expect(failure.code).toBe(code);
    if (failure.kind === 'transient') expect(failure.expected).toBe(expectedFlag);
  });

  it('a refusal of the flow-control guard waits until the moment its window opens', () => {
    const retryAt = Date.parse('2026-12-06T10:01:00.000Z');

    expect(classifyRequestFailure(new FlowControlError(retryAt, '1/60', 55))).toMatchObject({ kind: 'wait', code: 'FLOW_CONTROL', retryAt });
  });

  it("Alibaba's own flow control waits out the window its answer names, from now, to the second", () => {
    const now = Date.parse('2026-12-06T10:00:00.400Z');
    const hour = new AlibabaError('throttled', 'isv.BUSINESS_LIMIT_CONTROL', '触发号码小时级流控Permits:5', { retryAfterSeconds: 3_600 });
    const unnamed = new AlibabaError('throttled', 'isv.BUSINESS_LIMIT_CONTROL', 'flow control');

    expect(classifyRequestFailure(hour, now)).toMatchObject({ kind: 'wait', code: 'isv.BUSINESS_LIMIT_CONTROL', retryAt: Date.parse('2026-12-06T11:00:01.000Z') });
    // Without a window in the answer: the minute, the shortest that can clear.
    expect(classifyRequestFailure(unnamed, now)).toMatchObject({ kind: 'wait', retryAt: Date.parse('2026-12-06T10:01:01.000Z') });
  });

  it('an Alibaba rejection keeps Alibaba\'s message and RequestId in the reason', () => {
    const failure = classifyRequestFailure(new AlibabaError('rejected', 'isv.TTS_TEMPLATE_ILLEGAL', '模板不合法', { requestId: 'REQ-7' }));

    expect(failure.reason).toBe('Alibaba rejected the request: 模板不合法 (Alibaba RequestId REQ-7)');
  });

  it.each([
    ['a DynamoDB failure', Object.assign(new Error('Service unavailable'), { name: 'InternalServerError' })],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['a thrown string', 'boom'],
  ])('%s is transient and unexpected: nothing is lost, a poison message ends in the DLQ', (_name, error) => {
    expect(classifyRequestFailure(error)).toEqual({ kind: 'transient', code: 'INTERNAL_ERROR', reason: 'A fault of this service', expected: false });
  });
});

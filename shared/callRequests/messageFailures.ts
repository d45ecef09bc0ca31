/**
 * What becomes of a call request that arrived as a message and failed, in reading or in placing
 * (messages.ts lists the outcomes): refused for good and kept as a REJECTED item, handed back to its
 * trigger to be delivered again, left to wait for its flow-control window
 * (docs/flow-control.md#queued-requests-wait), or, when the call may have been placed
 * (docs/alibaba/errors.md#gateway-codes), never delivered again.
 */
import { FLOW_CONTROL_CODE } from '../alibaba/classify.ts';
import { AlibabaError, FlowControlError, IdempotencyConflictError, IdempotencyInProgressError, ValidationError, type FieldIssue } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PlaceCallRequest } from '../calls/schemas.ts';
import type { MessageVerdict, PlacementMessage, RejectedRequestStore } from './messages.ts';

/** How a failed request is treated (messages.ts lists what each kind leads to). */
export type FailureClass =
  | { kind: 'permanent'; code: string; reason: string; errors?: FieldIssue[] }
  | { kind: 'transient'; code: string; reason: string; expected: boolean }
  | { kind: 'unknown'; code: string; reason: string }
  | { kind: 'wait'; code: string; reason: string; retryAt: number };

/**
 * Classifies what `placeCallOnce` (or reading the message) threw. Only failures that prove the
 * request can never succeed as sent are permanent; only an unknown outcome must never be retried;
 * everything else (including our own faults: nothing is lost, a poison message ends in the DLQ) is
 * transient, except flow control, which waits for its window. `expected` is false for faults of
 * this service, logged as errors.
 *
 * @example classifyRequestFailure(new AlibabaError('throttled', 'Throttling.User', '...')) // { kind: 'transient', ... }
 */
export function classifyRequestFailure(error: unknown, now: number = Date.now()): FailureClass {
  if (error instanceof FlowControlError) {
    return { kind: 'wait', code: 'FLOW_CONTROL', reason: error.message, retryAt: error.retryAt };
  }
  if (error instanceof ValidationError) {
    return { kind: 'permanent', code: 'VALIDATION_FAILED', reason: `Invalid request: ${error.message}`, errors: error.issues };
  }
  if (error instanceof IdempotencyConflictError) {
    return { kind: 'permanent', code: 'IDEMPOTENCY_CONFLICT', reason: error.message };
  }
  if (error instanceof IdempotencyInProgressError) {
    return { kind: 'transient', code: 'IDEMPOTENCY_IN_PROGRESS', reason: error.message, expected: true };
  }
  if (error instanceof AlibabaError) {
    const alibaba = error.requestId ? ` (Alibaba RequestId ${error.requestId})` : '';
    switch (error.kind) {
      case 'rejected':
        return { kind: 'permanent', code: error.code, reason: `Alibaba rejected the request: ${error.message}${alibaba}` };
      case 'ambiguous':
        return { kind: 'unknown', code: error.code, reason: `Alibaba did not answer after the request was sent; the call may have been placed${alibaba}` };
      case 'throttled':
        // Alibaba's per-number flow control names its window (classify.ts): the number is held
        // that long (shared/calls/service.ts), so the message waits for it like a refusal of the guard.
        if (error.code === FLOW_CONTROL_CODE) {
          const retryAt = Math.ceil((now + (error.details.retryAfterSeconds ?? 60) * 1000) / 1000) * 1000;
          return { kind: 'wait', code: error.code, reason: `Alibaba flow control: ${error.message}${alibaba}`, retryAt };
        }
        return { kind: 'transient', code: error.code, reason: `Alibaba throttled the request: ${error.message}${alibaba}`, expected: true };
      case 'account':
        // Needs an operator, but nothing about the request itself is wrong: delivered again, then DLQ.
        return { kind: 'transient', code: error.code, reason: `Alibaba refused this service's account or credentials${alibaba}`, expected: false };
      case 'transient':
        return { kind: 'transient', code: error.code, reason: `Alibaba unavailable: ${error.message}`, expected: true };
    }
  }
  return { kind: 'transient', code: 'INTERNAL_ERROR', reason: 'A fault of this service', expected: false };
}

/** What reading or placing threw, settled: kept as REJECTED, handed back for another delivery, or left to wait. */
export async function settleMessageFailure(
  error: unknown,
  message: PlacementMessage,
  placement: { request: PlaceCallRequest; key: string } | undefined,
  rejections: RejectedRequestStore,
  logger: Logger,
): Promise<MessageVerdict> {
  const failure = classifyRequestFailure(error);
  if (failure.kind === 'unknown') {
    // placeCallOnce returns unknown outcomes; one thrown anyway must still never be retried.
    logger.error('call outcome unknown: not delivered again; check the receipts', { code: failure.code, error });
    return { verdict: 'unknown', code: failure.code, replayed: false };
  }
  if (failure.kind === 'wait' && placement) {
    logger.info('call request waits for its flow-control window', { code: failure.code, retryAt: new Date(failure.retryAt).toISOString() });
    return { verdict: 'wait', code: failure.code, reason: failure.reason, retryAt: failure.retryAt, ...placement, error };
  }
  if (failure.kind === 'transient' || failure.kind === 'wait') {
    const fields = { code: failure.code, reason: failure.reason, error };
    if (failure.kind === 'wait' || failure.expected) logger.warn('call request not placed now; it will be delivered again', fields);
    else logger.error('call request failed; it will be delivered again', fields);
    return { verdict: 'retry', code: failure.code, reason: failure.reason, error };
  }
  try {
    await rejections.record({
      source: message.source,
      messageId: message.messageId,
      receivedAt: message.receivedAt,
      reason: failure.reason,
      code: failure.code,
      ...(failure.errors ? { errors: failure.errors } : {}),
      body: message.rawBody,
    });
  } catch (storeError) {
    // Not recorded, not dropped: the message comes back (and, failing again, ends in the DLQ).
    logger.error('call request rejected but the rejection could not be recorded; it will be delivered again', {
      code: failure.code,
      reason: failure.reason,
      error: storeError,
    });
    return { verdict: 'retry', code: failure.code, reason: failure.reason, error: storeError };
  }
  logger.warn('call request rejected', { code: failure.code, reason: failure.reason, errors: failure.errors });
  return { verdict: 'rejected', code: failure.code, reason: failure.reason };
}

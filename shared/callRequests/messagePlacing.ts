/**
 * Placing a call request that arrived as a message (messages.ts), once it is read
 * (messageReading.ts): a call placed at most once under its key (shared/calls/placement.ts), or a
 * call request created under it (service.ts), so that a redelivery places or creates nothing twice.
 * What fails is settled by messageFailures.ts. The trigger adapters
 * (shared/triggers/messageTriggers.ts) call these.
 */
import { AlibabaError, TRANSPORT_CODES, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { logPlacedCall, placeCallOnce } from '../calls/placement.ts';
import { settleMessageFailure } from './messageFailures.ts';
import { readPlacementMessage, type ReadMessage } from './messageReading.ts';
import type { MessageVerdict, PlacementMessage, PlacementMessageDependencies } from './messages.ts';
import { SCHEDULING_FIELDS } from './schemas.ts';
import { createCallRequest } from './service.ts';

/**
 * A message is not started with less time left than one full Alibaba attempt (the voice client's
 * `attemptTimeoutMs`) plus this, for the writes that record the call: an attempt cut short by the
 * deadline after the request was sent would make its outcome unknown. Not started, it is simply
 * delivered again.
 */
export const RECORDING_MARGIN_MS = 1_000;

/**
 * Reads, validates and places one request, and keeps what is refused for good. Never throws: the
 * verdict says whether the trigger must deliver the message again (`retry`) or let it wait for its
 * flow-control window (`wait`).
 */
export async function handlePlacementMessage(message: PlacementMessage, deps: PlacementMessageDependencies): Promise<MessageVerdict> {
  return placeReadMessage(readPlacementMessage(message), deps);
}

/** Places a message that readPlacementMessage read (see handlePlacementMessage). */
export async function placeReadMessage(read: ReadMessage, deps: PlacementMessageDependencies): Promise<MessageVerdict> {
  const { message } = read;
  const logger = deps.logger.child({ source: message.source, messageId: message.messageId });
  // Validation first: a malformed request never touches the idempotency table.
  if (!read.ok) return settleMessageFailure(read.error, message, undefined, deps.rejections, logger);
  if (read.kind === 'request') return createRequestFromMessage(read, deps, logger);
  const { request, key, idempotencyKey } = read;
  const context = { type: request.type, outId: request.outId, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
  try {
    if (deps.deadline - Date.now() < deps.voice.attemptTimeoutMs + RECORDING_MARGIN_MS) {
      const reason = 'not started: too little time left in this invocation';
      logger.warn('call request not started: too little time left; it will be delivered again', context);
      const error = new AlibabaError('transient', TRANSPORT_CODES.deadlineExceeded, reason, { timedOut: true });
      return { verdict: 'retry', code: error.code, reason, error };
    }

    const startedAt = Date.now();
    const result = await placeCallOnce(request, key, { ...deps, logger }, { deadline: deps.deadline });
    if (result.outcome === 'placed') {
      logPlacedCall(logger, result, startedAt, context);
      return { verdict: 'placed', callId: result.call.callId, replayed: result.replayed };
    }
    logger.error('call outcome unknown: not delivered again, since a retry could place a second call; check the receipts', {
      ...context,
      code: result.failure.code,
      alibabaRequestId: result.failure.requestId,
      replayed: result.replayed,
    });
    return { verdict: 'unknown', code: result.failure.code, replayed: result.replayed };
  } catch (error) {
    return settleMessageFailure(error, message, { request, key }, deps.rejections, logger);
  }
}

/** Creates the call request a message carries (service.ts), under the message's key: a redelivery creates nothing twice. */
async function createRequestFromMessage(
  read: Extract<ReadMessage, { kind: 'request' }>,
  deps: PlacementMessageDependencies,
  logger: Logger,
): Promise<MessageVerdict> {
  if (!deps.callRequests) {
    return settleMessageFailure(new ValidationError([{ path: SCHEDULING_FIELDS.find((field) => field in read.body) ?? 'body', message: 'call requests are not set up on this stage (CALL_REQUEST_* settings)' }]), read.message, undefined, deps.rejections, logger);
  }
  try {
    const { view, created } = await createCallRequest(read.body, { idempotencyKey: read.key, deadline: deps.deadline }, { ...deps.callRequests, logger });
    logger.info(created ? 'call request created from a message' : 'call request message replayed', { requestId: view.requestId, status: view.status });
    return { verdict: 'requested', requestId: view.requestId, replayed: !created };
  } catch (error) {
    return settleMessageFailure(error, read.message, undefined, deps.rejections, logger);
  }
}

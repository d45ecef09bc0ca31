/**
 * Reading a call request that arrived as a message (messages.ts): its content checked and validated,
 * then either a call to place now (a POST /calls body plus an optional `idempotencyKey`) or, when it
 * carries scheduling fields, a call request to create (docs/call-requests.md#other-ways-in); and the
 * key it is placed under (its `idempotencyKey` for its caller, else the message or event id). CPU
 * only, no I/O: a trigger reads its whole batch before it places anything
 * (docs/triggers.md#one-message-cannot-cost-another-its-guarantee).
 */
import { ValidationError } from '../errors.ts';
import { assertWellFormedText, parseOrThrow } from '../validation.ts';
import { idempotencyKeys, parsePlacementRequest } from '../calls/placement.ts';
import { idempotencyKeySchema, type PlaceCallRequest } from '../calls/schemas.ts';
import type { PlacementMessage } from './messages.ts';
import { parseCallRequest, SCHEDULING_FIELDS } from './schemas.ts';

/** A message after reading and validation: a call to place now, a call request to create, or refused before anything was sent. */
export type ReadMessage =
  | { ok: true; kind: 'call'; message: PlacementMessage; request: PlaceCallRequest; key: string; idempotencyKey: string | undefined }
  | { ok: true; kind: 'request'; message: PlacementMessage; body: Record<string, unknown>; key: string; idempotencyKey: string | undefined }
  | { ok: false; message: PlacementMessage; error: unknown };

/**
 * Reads and validates one message; CPU only, no I/O. A trigger reads every message of its batch
 * before it places any, so that no parsing or validation ever runs while another message's request
 * is at Alibaba: a hostile message cannot delay the invocation while a call it did not send waits
 * for its answer (docs/triggers.md#one-message-cannot-cost-another-its-guarantee).
 */
export function readPlacementMessage(message: PlacementMessage): ReadMessage {
  try {
    const content = message.read();
    assertWellFormedText(content);
    if (carriesSchedulingFields(content)) return readCallRequestContent(message, content);
    const { request, idempotencyKey } = parseCallRequestContent(content);
    const key = idempotencyKey !== undefined ? idempotencyKeys.client(idempotencyKey, message.caller) : implicitKey(message);
    return { ok: true, kind: 'call', message, request, key, idempotencyKey };
  } catch (error) {
    return { ok: false, message, error };
  }
}

/**
 * A message whose fields include any of SCHEDULING_FIELDS is a call request (docs/call-requests.md#other-ways-in):
 * its call fields become `call`, its scheduling fields stay beside it. Validated here, like a call;
 * field paths then name the message's own fields (`calledNumber`, not `call.calledNumber`).
 */
function readCallRequestContent(message: PlacementMessage, content: Record<string, unknown>): ReadMessage {
  const { idempotencyKey, ...fields } = content;
  const key = idempotencyKey !== undefined ? idempotencyKeys.client(parseOrThrow(idempotencyKeySchema, idempotencyKey, 'idempotencyKey'), message.caller) : implicitKey(message);
  const call: Record<string, unknown> = {};
  const body: Record<string, unknown> = { call };
  for (const [name, value] of Object.entries(fields)) {
    if ((SCHEDULING_FIELDS as readonly string[]).includes(name)) body[name] = value;
    else call[name] = value;
  }
  try {
    parseCallRequest(body, Date.now());
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: issue.path.replace(/^call\.?/, '') || 'body' })));
  }
  return { ok: true, kind: 'request', message, body, key, idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined };
}

function carriesSchedulingFields(content: unknown): content is Record<string, unknown> {
  return typeof content === 'object' && content !== null && !Array.isArray(content) && SCHEDULING_FIELDS.some((field) => field in content);
}

/** The request and its key; `idempotencyKey` is taken out of the body before the body is validated. */
function parseCallRequestContent(content: unknown): ReturnType<typeof parsePlacementRequest> {
  if (typeof content === 'object' && content !== null && !Array.isArray(content) && 'idempotencyKey' in content) {
    const { idempotencyKey, ...body } = content as Record<string, unknown>;
    return parsePlacementRequest(body, { value: idempotencyKey, path: 'idempotencyKey' });
  }
  return parsePlacementRequest(content);
}

function implicitKey(message: PlacementMessage): string {
  return message.source === 'sqs' ? idempotencyKeys.sqsMessage(message.messageId) : idempotencyKeys.event(message.messageId);
}

import * as z from 'zod/mini';
import { CALL_TYPES } from '../calls/schemas.ts';
import { CALL_STATUSES } from '../calls/status.ts';
import { CALL_REQUEST_STATUSES } from '../callRequests/model.ts';
import { REDIAL_OUTCOMES, UNTIL, WEEKDAYS } from '../callRequests/schemas.ts';

/**
 * The HTTP response bodies (docs/http-api.md, "Errors"), written once as schemas for the OpenAPI
 * document (shared/openapi/document.ts). The domain types (`PlacedCall`, `CallView`, `Problem`) are
 * checked against them at compile time in test/unit/openapi/document.test.ts, and the contract test
 * validates real handler responses against the generated document.
 */

const callType = z.enum(CALL_TYPES as ['tts', 'voice', 'ivr', 'clickToDial', 'smart']).check(z.describe('The call type given when it was placed.'));
const isoTime = (description: string) => z.string().check(z.describe(`${description} ISO-8601 UTC.`));

/** 202 of POST /calls (`PlacedCall` in shared/calls/service.ts). */
export const placedCallSchema = z.object({
  callId: z.string().check(z.describe('Alibaba CallId, for example 116012354148^102813781234.')),
  type: callType,
  outId: z.string().check(z.describe('Your outId, or the one generated (15 characters).')),
  requestId: z.string().check(z.describe("Alibaba's RequestId of the placing request.")),
  status: z.literal('placed').check(z.describe('Alibaba accepted the call; the outcome arrives with the receipts.')),
  createdAt: isoTime('When the call was placed.'),
});

/** 200 of POST /calls/{callId}/cancel. */
export const cancelResultSchema = z.object({
  callId: z.string().check(z.describe('The CallId, decoded.')),
  cancelled: z.boolean().check(
    z.describe('false when Alibaba could not cancel: the call ended already, is not a click-to-dial call, or is unknown.'),
  ),
  requestId: z.string().check(z.describe("Alibaba's RequestId of the CancelCall request.")),
});

/** One stored receipt (`ReceiptRecord`): normalised fields beside Alibaba's raw body. */
export const receiptSchema = z.looseObject({
  messageType: z.string().check(z.describe('VoiceCallReport, VoiceReport, VoiceRecordReport, ...')),
  receivedAt: isoTime('When Alibaba enqueued the receipt.'),
  status: z.optional(z.enum(CALL_STATUSES).check(z.describe('The normalised status this receipt implies, if any.'))),
  statusCode: z.optional(z.string().check(z.describe("Alibaba's status_code."))),
  duration: z.optional(z.number().check(z.describe('Call length in seconds, on final reports.'))),
  raw: z.optional(z.record(z.string(), z.unknown()).check(z.describe("Alibaba's decoded receipt body."))),
}).check(
  z.describe(
    'A receipt: Alibaba\'s body as `raw` beside normalised fields (messageType, statusCode, smartStatusCode, status, statusTime, dtmf, duration, startTime, endTime, recordFile, outId, messageId, receivedAt, storedAt, ...).',
  ),
);

/** QueryCallDetailByCallId's parsed `Data` (`CallDetail`); keys Alibaba documents, plus whatever else it sends. */
export const callDetailSchema = z.looseObject({
  caller: z.optional(z.string()),
  callerShowNumber: z.optional(z.string()),
  callee: z.optional(z.string()),
  calleeShowNumber: z.optional(z.string()),
  state: z.optional(z.string()),
  stateDesc: z.optional(z.string()),
  duration: z.optional(z.number()),
  startDate: z.optional(z.string()),
  endDate: z.optional(z.string()),
  gmtCreate: z.optional(z.string()),
});

/** 200 of GET /calls/{callId} (`CallView`). */
export const callViewSchema = z.object({
  callId: z.string().check(z.describe('Alibaba CallId.')),
  type: z.nullable(callType).check(z.describe('The call type; null for a call this service did not place.')),
  outId: z.nullable(z.string()).check(z.describe('The outId; null when unknown.')),
  prodId: z.optional(z.string().check(z.describe("Alibaba's product id of the call type (none for click-to-dial)."))),
  requestId: z.optional(z.nullable(z.string())).check(z.describe("Alibaba's RequestId of the placing request; null or absent for calls placed elsewhere.")),
  status: z.nullable(z.enum(CALL_STATUSES)).check(z.describe('Normalised status; only ever moves forward, driven by receipts. null until a receipt implies one.')),
  createdAt: z.nullable(isoTime('When the call was placed (or its first receipt enqueued).')),
  updatedAt: z.nullable(isoTime('Last status change.')),
  receipts: z.array(receiptSchema).check(z.describe('A page of at most 100 stored receipts, oldest first within the page; nextReceiptsAfter names the next.')),
  nextReceiptsAfter: z.optional(z.string().check(z.describe('When the call may have more receipts: pass it as receiptsAfter to read the next page.'))),
  detail: z.optional(z.nullable(callDetailSchema).check(z.describe('With live=true: Alibaba\'s call detail, or null when Alibaba has none.'))),
  callRequestId: z.optional(z.string().check(z.describe('The call request this call is an attempt of (docs/call-requests.md), if any.'))),
  attempt: z.optional(z.int().check(z.minimum(1), z.describe('Which attempt of that call request this call is (1-based).'))),
});

/** One invalid input field (`FieldIssue` in shared/errors.ts). */
export const fieldIssueSchema = z.object({
  path: z.string().check(z.describe('Dotted path of the field: menuKeyMap.1.key, path.callId, query.prodId, header.content-type, body.')),
  message: z.string().check(z.describe('What is wrong with it.')),
});

/** RFC 9457 problem details (`Problem` in shared/http/problem.ts). */
export const problemSchema = z.object({
  type: z.string().check(z.describe('urn:aliyun-voice:problem:<code>.')),
  title: z.string().check(z.describe('Short summary of the problem kind.')),
  status: z.int().check(z.minimum(400), z.maximum(599), z.describe('The HTTP status, repeated.')),
  detail: z.string().check(z.describe('What went wrong; 5xx bodies carry no internal detail.')),
  code: z.string().check(
    z.describe(
      'Stable error code: VALIDATION_FAILED (400, 413, 415), NOT_FOUND (404), IDEMPOTENCY_CONFLICT (409, 422), FLOW_CONTROL (429), UNAUTHORIZED (401), INTERNAL_ERROR (500), ' +
        'STORE_UNAVAILABLE (503), CREDENTIALS_UNAVAILABLE (503), ' +
        'ALIBABA_TIMEOUT (504), ALIBABA_UNREACHABLE (502), or Alibaba\'s own code passed through (for example isv.MOBILE_NUMBER_ILLEGAL, ' +
        'isv.BUSINESS_LIMIT_CONTROL, Throttling.User, isv.AMOUNT_NOT_ENOUGH, RequestOutcomeUnknown, HTTP_<status>). Not an enum: Alibaba codes pass through.',
    ),
  ),
  requestId: z.optional(z.string().check(z.describe('API Gateway request id, for support.'))),
  errors: z.optional(z.array(fieldIssueSchema).check(z.describe('With VALIDATION_FAILED: each invalid field.'))),
  retryAt: z.optional(
    z.string().check(z.describe('With FLOW_CONTROL: when the number can be called again (ISO 8601, UTC, a whole second); Retry-After gives the same in seconds.')),
  ),
  limit: z.optional(z.string().check(z.describe('With FLOW_CONTROL: the window that refused, <count>/<seconds> (for example 1/60).'))),
});

/** One attempt of a call request (`Attempt` in shared/callRequests/model.ts). */
export const attemptSchema = z.object({
  attempt: z.int().check(z.minimum(1), z.describe('1-based.')),
  callId: z.optional(z.string().check(z.describe("Alibaba's CallId, once placed (read the call with GET /calls/{callId})."))),
  placedAt: z.optional(isoTime('When it was placed.')),
  status: z.enum([...CALL_STATUSES, 'unknown']).check(
    z.describe("The attempt's call status; `unknown` when Alibaba's answer to the placing request never came (the call may or may not have rung)."),
  ),
  dtmf: z.optional(z.string().check(z.describe('The keys the callee pressed during the call, as Alibaba reported them.'))),
});

/**
 * 202 of POST /call-requests and 200 of GET /call-requests/{requestId} (`CallRequestView`,
 * docs/call-requests.md#reading-a-request). `call` is the POST /calls body the attempts place.
 */
export const callRequestViewSchema = z.object({
  requestId: z.string().check(z.describe('The call request id: cr_ and 22 characters.')),
  status: z.enum(CALL_REQUEST_STATUSES).check(
    z.describe(
      'scheduled (the next attempt is due at nextAttemptAt), waiting (the number\'s flow-control window is full; retried at nextAttemptAt), in-progress (an attempt is ringing), ' +
        'or final: succeeded, exhausted (every attempt made), expired (notAfter passed), cancelled, refused (Alibaba refused the call\'s content).',
    ),
  ),
  call: z.unknown().check(z.describe('The call each attempt places (a POST /calls body).')),
  notBefore: isoTime('No attempt before this time.'),
  notAfter: isoTime('No attempt after this time.'),
  window: z.nullable(
    z.object({
      from: z.string(),
      to: z.string(),
      timeZone: z.string(),
      days: z.optional(z.array(z.enum(WEEKDAYS))),
    }),
  ).check(z.describe('The daily window attempts are placed in; null for any time.')),
  redial: z.object({
    on: z.array(z.enum(REDIAL_OUTCOMES)),
    maxAttempts: z.int(),
    intervalSeconds: z.int(),
  }).check(z.describe('The redial policy, defaults filled in.')),
  until: z.enum(UNTIL),
  acknowledgeKeys: z.nullable(z.array(z.string())).check(z.describe('With until "acknowledged": the keys that acknowledge; null otherwise.')),
  attempts: z.array(attemptSchema).check(z.describe('Every attempt placed (or tried), oldest first.')),
  nextAttemptAt: z.nullable(isoTime('When the next attempt is due; null when none is.')),
  createdAt: isoTime('When the request was created.'),
  updatedAt: isoTime('Its last change.'),
  reason: z.optional(z.string().check(z.describe('Why it ended, or why its last attempt was not placed.'))),
});

/** 200 of POST /call-requests/{requestId}/cancel. */
export const callRequestCancelResultSchema = z.object({
  requestId: z.string().check(z.describe('The call request id.')),
  cancelled: z.boolean().check(z.describe('false when the request had already ended (its status says how).')),
  status: z.enum(CALL_REQUEST_STATUSES).check(z.describe('Its status after the request: cancelled, or the final status it had already reached.')),
});

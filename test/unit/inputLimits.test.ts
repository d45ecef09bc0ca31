/**
 * Input limits on every channel (docs/security.md#input-limits), as properties over hostile input:
 * POST /calls and its Idempotency-Key header, GET and cancel's path and query, SQS messages,
 * EventBridge events, and the receipt push route's token and message type.
 *
 * - Time: no pattern with a quantifier runs on more than MAX_PATTERN_INPUT characters, whatever the
 *   input's size (test/support/patterns.ts), and every other step of validation is linear; so
 *   validation is bounded without any timing being asserted.
 * - Depth and size: any nesting and any size is refused with a ValidationError naming the field
 *   (a 4xx over HTTP, a REJECTED item from a queue or the bus), never another error.
 *
 * Validation is the first step of each channel and does no I/O: it is run here on its own, as the
 * handlers run it before anything else.
 */
import fc from 'fast-check';
import type { EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { getCallQuerySchema } from '#shared/calls/getCallQuery';
import { parsePlacementRequest } from '#shared/calls/placement';
import type { PlacementMessage } from '#shared/callRequests/messages';
import { readPlacementMessage } from '#shared/callRequests/messageReading';

/** Reads and validates a message as a trigger does before placing anything; throws what refuses it. */
function readCallRequest(message: PlacementMessage) {
  const read = readPlacementMessage(message);
  if (!read.ok) throw read.error;
  return read;
}
import { MAX_REQUEST_BODY_BYTES, callIdSchema } from '#shared/calls/schemas';
import { UnauthorizedError, ValidationError } from '#shared/errors';
import { header, jsonBody, pathParameter } from '#shared/http/apiGateway';
import { createLogger } from '#shared/logger';
import { acceptReceiptPush } from '#shared/receipts/push';
import type { ReceiptStore } from '#shared/receipts/receiptStore';
import { eventMessage, sqsMessage } from '#shared/triggers/messageTriggers';
import { parseOrThrow } from '#shared/validation';
import { httpEvent } from '../support/apiGatewayEvents.ts';
import { patternWork, patternWorkAsync } from '../support/patterns.ts';
import { eventBridgeEvent, sqsEvent } from '../support/triggerEvents.ts';

/** The longest text a quantified pattern may see on any channel: the longest push token allowed. */
const MAX_PATTERN_INPUT = 512;
const RUNS = 60;

const VALID = { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789' } as const;

/** Long runs that make backtracking patterns slow, longer than any field, header or parameter may be. */
const hostileText = fc
  .tuple(fc.constantFrom('a', '1', 'a-', '-', 'a.', 'www', 'a:', 'a:/', '%', '李', ' '), fc.integer({ min: 1_100, max: 30_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

/** `[[[...]]]` or `{"a":{"a":...}}` nested `depth` deep. */
const nested = (depth: number, kind: 'array' | 'object'): string =>
  kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);

/** Hostile call-request bodies as JSON text: deep, long, wide, or simply too large. */
const hostileBody: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.integer({ min: 33, max: 20_000 }), fc.constantFrom('array' as const, 'object' as const), fc.constantFrom('x', 'ttsParam', 'ttsCode'))
    .map(([depth, kind, field]) => `{"type":"tts","calledNumber":"13800138000","ttsCode":"TTS_1","${field}":${nested(depth, kind)}}`),
  fc.tuple(fc.constantFrom('calledNumber', 'ttsCode', 'outId', 'calledShowNumber', 'idempotencyKey'), hostileText)
    .map(([field, text]) => JSON.stringify({ ...VALID, [field]: text })),
  hostileText.map((text) => JSON.stringify({ ...VALID, ttsParam: { v: text } })),
  hostileText.map((text) => JSON.stringify({ ...VALID, [text]: 1 })),
  fc.integer({ min: 100, max: 40_000 }).map((count) => JSON.stringify({ ...VALID, ...Object.fromEntries(Array.from({ length: count }, (_, index) => [`f${index}`, 0])) })),
  hostileText.map((text) => `"${text}"`),
);

/** Runs `validate` and returns how it refused: the error's class, and the work its patterns did. */
function refusal(validate: () => unknown): { error: unknown; longest: number; longestPattern: string | undefined } {
  const { result, longest, longestPattern } = patternWork(() => {
    try {
      validate();
    } catch (error) {
      return error;
    }
    return undefined;
  });
  return { error: result, longest, longestPattern };
}

function expectValidationRefusal(validate: () => unknown, label: string): void {
  const { error, longest, longestPattern } = refusal(validate);
  expect(error, `${label}: ${String(error)}`).toBeInstanceOf(ValidationError);
  expect(longest, `${label}: pattern ${longestPattern}`).toBeLessThanOrEqual(MAX_PATTERN_INPUT);
}

describe('POST /calls', () => {
  /** What functions/placeCall.ts runs before anything else. */
  const validate = (event: ReturnType<typeof httpEvent>) => () =>
    parsePlacementRequest(jsonBody(event), { value: header(event, 'idempotency-key'), path: 'header.idempotency-key' });

  it('property: any hostile body is refused with a ValidationError, and no pattern sees a long text', () => {
    fc.assert(
      fc.property(hostileBody, fc.boolean(), (text, base64) => {
        expectValidationRefusal(validate(httpEvent({ method: 'POST', route: '/calls', body: text, base64, headers: { 'content-type': 'application/json' } })), text.slice(0, 80));
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('property: a hostile Content-Type or Idempotency-Key header is refused, and no pattern sees a long text', () => {
    fc.assert(
      fc.property(hostileText, fc.constantFrom('content-type', 'idempotency-key'), (text, name) => {
        const headers = { 'content-type': 'application/json', [name]: name === 'content-type' ? `application/json${text}` : text };
        expectValidationRefusal(validate(httpEvent({ method: 'POST', route: '/calls', body: JSON.stringify(VALID), headers })), `${name}: ${text.slice(0, 40)}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});

describe('GET /calls/{callId} and POST /calls/{callId}/cancel', () => {
  it('property: a hostile path parameter or query value is refused, and no pattern sees a long text', () => {
    fc.assert(
      fc.property(hostileText, fc.constantFrom('callId', 'prodId', 'queryDate', 'live'), (text, where) => {
        const event = httpEvent({
          method: 'GET',
          route: '/calls/{callId}',
          pathParameters: { callId: where === 'callId' ? text : '116012354148^102813781234' },
          ...(where === 'callId' ? {} : { query: { [where]: text } }),
        });
        expectValidationRefusal(() => {
          pathParameter(event, 'callId', callIdSchema);
          parseOrThrow(getCallQuerySchema, event.queryStringParameters ?? {}, 'query');
        }, `${where}: ${text.slice(0, 40)}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});

describe('SQS call requests', () => {
  it('property: any hostile body is refused with a ValidationError, and no pattern sees a long text', () => {
    fc.assert(
      fc.property(hostileBody, (text) => {
        const [record] = sqsEvent([{ body: text }]).Records;
        expectValidationRefusal(() => readCallRequest(sqsMessage(record!)), text.slice(0, 80));
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it(`refuses a body over ${MAX_REQUEST_BODY_BYTES} bytes before parsing it, naming the body`, () => {
    const [record] = sqsEvent([{ body: { ...VALID, outId: 'a', padding: 'x'.repeat(MAX_REQUEST_BODY_BYTES) } }]).Records;

    const { error } = refusal(() => readCallRequest(sqsMessage(record!)));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'body', message: 'must be at most 16384 bytes' }]);
  });
});

describe('EventBridge call requests', () => {
  const event = (detail: unknown): EventBridgeEvent<string, unknown> => eventBridgeEvent({ detail });

  it('property: any hostile detail is refused with a ValidationError, and no pattern sees a long text', () => {
    fc.assert(
      fc.property(hostileBody, (text) => {
        expectValidationRefusal(() => readCallRequest(eventMessage(event(JSON.parse(text)))), text.slice(0, 80));
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it(`refuses a detail over ${MAX_REQUEST_BODY_BYTES} bytes of JSON, naming the detail`, () => {
    const { error } = refusal(() => readCallRequest(eventMessage(event({ ...VALID, padding: 'x'.repeat(MAX_REQUEST_BODY_BYTES) }))));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'detail', message: 'must be at most 16384 bytes of JSON' }]);
  });

  it('refuses a detail nested too deep for JSON.stringify, and keeps the event without it for the REJECTED item', () => {
    const deep = event(JSON.parse(nested(20_000, 'array')));
    const message = eventMessage(deep);

    const { error } = refusal(() => readCallRequest(message));

    expect((error as ValidationError).issues).toEqual([{ path: 'detail', message: 'must not nest arrays and objects more than 32 deep' }]);
    expect(JSON.parse(message.rawBody)).toMatchObject({ id: deep.id, detail: '[not kept: nested too deep to write as JSON]' });
  });
});

describe('POST /receipts/{messageType} (anonymous)', () => {
  const store: ReceiptStore = {
    storeBatch: () => expect.fail('a refused push must store nothing'),
  };
  const silent = createLogger({}, { write: () => undefined });

  it('property: any hostile token, message type and body is refused before the body is read, and no pattern sees a long text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(hostileText, { nil: undefined }), hostileText, hostileBody, async (token, messageType, body) => {
        let bodyRead = false;
        const { result: refused, longest, longestPattern } = await patternWorkAsync(() =>
          acceptReceiptPush(
            { messageType, token, body: () => ((bodyRead = true), Buffer.from(body)), requestId: 'r' },
            { messageTypes: new Set(['VoiceReport']), store, pushToken: async () => 'the-configured-push-token-0123456789', logger: silent },
            { deadline: Date.now() + 1_000 },
          ).then(
            () => undefined,
            (error: unknown) => error,
          ),
        );

        expect(refused).toBeInstanceOf(UnauthorizedError);
        expect(bodyRead).toBe(false);
        expect(longest, `pattern ${longestPattern}`).toBeLessThanOrEqual(MAX_PATTERN_INPUT);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});

/**
 * Fuzz of the one route without an IAM or JWT authorizer, POST /receipts/{messageType} (Alibaba
 * cannot sign its pushes; the handler checks the `token` query parameter). Malformed bodies sent with
 * the right token are stored raw and answered `{"code":0}` by contract (docs/alibaba/receipts.md#flow: anything else is
 * redelivered), so the property here is about the token: no generated token other than the
 * configured one authorises, whatever the message type and body, and a refused push stores nothing
 * and never writes the token to the logs.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_PUSH_TOKEN,
  capturingStdout,
  expectAccepted,
  expectProblem,
  itemsOf,
  loadPushHandler,
  newCallId,
  push,
  voiceReport,
  type PushHandler,
  type PushInput,
  type PushResponse,
} from '../receipts-push/support.ts';

const MESSAGE_TYPES = ['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'] as const;
/** Every refused push names this call: a push that got through would leave a receipt under it. */
const CALL_ID = newCallId();
const BODY = [voiceReport(CALL_ID)];
/** Tokens tried per property; together the route's fuzz budget per run. */
const RUNS = { anyString: 300, tokenShaped: 200, nearMiss: 300 } as const;

let handler: PushHandler;
/** Request ids of every refused push, checked for INVALID# items at the end. */
const refusedRequestIds: string[] = [];

beforeAll(async () => {
  handler = await loadPushHandler();
});

afterAll(async () => {
  // Skipped when nothing was refused (a filtered run): then there is nothing to look for.
  if (refusedRequestIds.length === 0) return;
  expect(await itemsOf(`CALL#${CALL_ID}`), 'a refused push stored a receipt').toEqual([]);
  // One read per type (the partitions are shared with other test files), matched against every refused request.
  const refused = new Set(refusedRequestIds.map((requestId) => `push-${requestId}`));
  for (const messageType of MESSAGE_TYPES) {
    const invalid = (await itemsOf(`INVALID#${messageType}`)).filter((item) => {
      const id = String(item.messageId);
      return refused.has(id) || refused.has(id.replace(/-\d+$/, ''));
    });
    expect(invalid, `a refused push stored an invalid ${messageType}`).toEqual([]);
  }
});

/** Pushes with `token`, expecting the 401 refusal, and checks the logs do not carry the token. */
async function expectRefused(input: PushInput): Promise<PushResponse> {
  const { result: response, output } = await capturingStdout(() => push(handler, input));
  expectProblem(response, 401, 'UNAUTHORIZED');
  expect(response.headers['www-authenticate'], response.text).toMatch(/param="token"/);
  expect(output, 'the configured token must never be logged').not.toContain(TEST_PUSH_TOKEN);
  if (typeof input.token === 'string' && input.token.length >= 12) expect(output, 'a given token must never be logged').not.toContain(input.token);
  expect(response.text).not.toContain(TEST_PUSH_TOKEN);
  refusedRequestIds.push(response.requestId);
  return response;
}

/** Any UTF-16 code unit, lone surrogates included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
const TOKEN_ALPHABET = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-'];
const tokenCharacter = fc.constantFrom(...TOKEN_ALPHABET);
/** The message type segment: usually a real one, sometimes anything (the token is checked first). */
const messageType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...MESSAGE_TYPES) },
  { weight: 1, arbitrary: fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 30 }) },
);
/** The receipt body, or something else: a refusal never depends on it. */
const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(JSON.stringify(BODY)) },
  { weight: 1, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 100 }) },
);

/** Strings one edit away from the configured token: the guesses most likely to slip through a sloppy check. */
const nearMiss = fc.oneof(
  // One character replaced by another.
  fc.tuple(fc.nat({ max: TEST_PUSH_TOKEN.length - 1 }), tokenCharacter).map(([index, character]) =>
    TEST_PUSH_TOKEN.slice(0, index) + character + TEST_PUSH_TOKEN.slice(index + 1),
  ),
  // A prefix (the empty string included), or the token with characters added before or after.
  fc.nat({ max: TEST_PUSH_TOKEN.length - 1 }).map((length) => TEST_PUSH_TOKEN.slice(0, length)),
  fc.string({ unit: fc.oneof(tokenCharacter, anyCodeUnit), minLength: 1, maxLength: 8 }).map((suffix) => TEST_PUSH_TOKEN + suffix),
  fc.string({ unit: fc.oneof(tokenCharacter, anyCodeUnit), minLength: 1, maxLength: 8 }).map((prefix) => prefix + TEST_PUSH_TOKEN),
  // Whitespace around it (the given token is compared as sent, never trimmed).
  fc.tuple(fc.constantFrom(' ', '\t', '\n', '\r\n', '\u00a0', '\u200b'), fc.boolean()).map(([space, before]) => (before ? space + TEST_PUSH_TOKEN : TEST_PUSH_TOKEN + space)),
  // Case changed, percent-encoded once more, or the token repeated as API Gateway joins repeated parameters.
  fc.constant(TEST_PUSH_TOKEN.toUpperCase()),
  fc.constant(encodeURIComponent(TEST_PUSH_TOKEN).replaceAll('-', '%2D')),
  fc.constant(`${TEST_PUSH_TOKEN},${TEST_PUSH_TOKEN}`),
  fc.string({ unit: tokenCharacter, minLength: 1, maxLength: 20 }).map((other) => `${other},${TEST_PUSH_TOKEN}`),
  // Another Unicode normalisation of the same-looking text: full-width letters.
  fc.nat({ max: TEST_PUSH_TOKEN.length - 1 }).filter((index) => /[a-z]/.test(TEST_PUSH_TOKEN[index]!)).map(
    (index) => TEST_PUSH_TOKEN.slice(0, index) + String.fromCharCode(TEST_PUSH_TOKEN.charCodeAt(index) + 0xfee0) + TEST_PUSH_TOKEN.slice(index + 1),
  ),
);

describe('POST /receipts/{messageType}: no token but the configured one authorises (property)', () => {
  it('accepts the configured token (the control: refusals below are not a broken setup)', async () => {
    const callId = newCallId();
    const { result: response } = await capturingStdout(() => push(handler, { messageType: 'VoiceReport', token: TEST_PUSH_TOKEN, body: [voiceReport(callId)] }));

    expectAccepted(response);
    expect((await itemsOf(`CALL#${callId}`)).length).toBeGreaterThan(0);
  });

  it('sends at least 800 generated tokens per run', () => {
    expect(Object.values(RUNS).reduce((sum, runs) => sum + runs, 0)).toBeGreaterThanOrEqual(800);
  });

  it('refuses arbitrary strings (any UTF-16 code unit, up to 600)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: anyCodeUnit, maxLength: 600 }).filter((token) => token !== TEST_PUSH_TOKEN), messageType, body, async (token, type, text) => {
        await expectRefused({ messageType: type, token, body: text });
      }),
      { numRuns: RUNS.anyString },
    );
  });

  it('refuses token-shaped strings: 16-512 URL-safe characters, the configured token\'s alphabet and length range', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: tokenCharacter, minLength: 16, maxLength: 512 }).filter((token) => token !== TEST_PUSH_TOKEN),
        messageType,
        body,
        async (token, type, text) => {
          await expectRefused({ messageType: type, token, body: text });
        },
      ),
      { numRuns: RUNS.tokenShaped },
    );
  });

  it('refuses near misses of the configured token: one character off, cut, extended, padded, re-encoded, repeated', async () => {
    await fc.assert(
      fc.asyncProperty(nearMiss.filter((token) => token !== TEST_PUSH_TOKEN), messageType, body, async (token, type, text) => {
        await expectRefused({ messageType: type, token, body: text });
      }),
      { numRuns: RUNS.nearMiss },
    );
  });

  it.each([
    ['no token at all', { token: null }],
    ['the token in a `token` header', { token: null, headers: { 'content-type': 'application/json', token: TEST_PUSH_TOKEN } }],
    ['the token as a bearer credential', { token: null, headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_PUSH_TOKEN}` } }],
    ['the token as an API key header', { token: null, headers: { 'content-type': 'application/json', 'x-api-key': TEST_PUSH_TOKEN } }],
    ['the token inside the body', { token: null, body: JSON.stringify({ token: TEST_PUSH_TOKEN, receipts: BODY }) }],
  ] as Array<[string, PushInput]>)('refuses %s (only ?token= is read)', async (_case, input) => {
    await expectRefused({ messageType: 'VoiceReport', body: JSON.stringify(BODY), ...input });
  });
});

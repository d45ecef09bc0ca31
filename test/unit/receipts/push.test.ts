/**
 * shared/receipts/push.ts without DynamoDB: the shared secret's constant-time comparison, where the
 * expected value comes from (RECEIPT_PUSH_TOKEN_PARAM), and how a body becomes receipt messages.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, SecretReadError, UnauthorizedError } from '#shared/errors';
import { createLogger } from '#shared/logger';
import {
  acceptReceiptPush,
  createPushTokenProvider,
  MAX_INVALID_RAW_CHARS,
  MAX_PUSH_BODY_BYTES,
  pushedReceiptMessages,
  pushTokenMatches,
  type PushTokenProvider,
} from '#shared/receipts/push';
import type { ReceiptStore } from '#shared/receipts/receiptStore';
import type { RemoteSecretSource as SecretSource } from '#shared/config';

const TOKEN = 'a3f9c1d7e5b2a8f4c6d0e1b3a5c7d9f2';

describe('pushTokenMatches', () => {
  it('accepts exactly the token', () => {
    expect(pushTokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(pushTokenMatches(`${TOKEN}`.slice(0), TOKEN)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a prefix', TOKEN.slice(0, -1)],
    ['a one-character prefix', TOKEN.slice(0, 1)],
    ['longer', `${TOKEN}0`],
    ['much longer', TOKEN.repeat(40)],
    ['shorter by its first character', TOKEN.slice(1)],
    ['one character different', `${TOKEN.slice(0, 10)}${TOKEN[10] === '0' ? '1' : '0'}${TOKEN.slice(11)}`],
    ['of another case', TOKEN.toUpperCase()],
    ['padded with whitespace', ` ${TOKEN} `],
    ['with a NUL appended', `${TOKEN}\u0000`],
  ])('refuses a %s token', (_label, given) => {
    expect(pushTokenMatches(given, TOKEN)).toBe(false);
  });

  it('is string equality for any pair of strings, of any lengths, and never throws', () => {
    // timingSafeEqual throws on inputs of different lengths: comparing digests is what keeps a
    // length difference from surfacing as an exception (or as a faster answer).
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), (given, expected) => {
        expect(pushTokenMatches(given, expected)).toBe(given === expected);
        expect(pushTokenMatches(expected, expected)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('anonymous pushes and the push token\'s reads (docs/security.md#the-receipt-push-route)', () => {
  const store: ReceiptStore = { storeBatch: () => expect.fail('a refused push must store nothing') };
  const silent = createLogger({}, { write: () => undefined });

  /** One anonymous push with `token`, and what it threw. */
  async function pushWith(token: string | undefined, pushToken: PushTokenProvider): Promise<unknown> {
    return acceptReceiptPush(
      { messageType: 'VoiceReport', token, body: () => expect.fail('a refused push must not read the body'), requestId: 'r' },
      { messageTypes: new Set(['VoiceReport']), store, pushToken, logger: silent },
      { deadline: Date.now() + 1_000 },
    ).catch((error: unknown) => error);
  }

  it.each([
    ['no token', undefined],
    ['an empty token', ''],
    ['a token of 15 characters', 'a'.repeat(15)],
    ['a token of 513 characters', 'a'.repeat(513)],
    ['a token that is not URL-safe', `${TOKEN}+`],
    ['a percent-encoded token', `${TOKEN}%2F`],
    ['a token with a space', `${TOKEN.slice(0, 16)} ${TOKEN.slice(16)}`],
  ])('refuses %s with 401 before the push token is read', async (_label, token) => {
    const pushToken = vi.fn(async () => TOKEN);

    const error = await pushWith(token, pushToken);

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(pushToken).not.toHaveBeenCalled();
  });

  it.each([
    ['no token', undefined, 'missing'],
    ['a malformed token', 'short', 'malformed'],
    ['a wrong token', 'a-well-formed-but-wrong-token', 'wrong'],
  ])('logs why a push with %s was refused, readable (a field named like a token would be redacted), never the token', async (_label, token, refusal) => {
    const lines: string[] = [];
    const logger = createLogger({}, { write: (line) => lines.push(line) });

    await acceptReceiptPush(
      { messageType: 'VoiceReport', token, body: () => expect.fail('a refused push must not read the body'), requestId: 'r' },
      { messageTypes: new Set(['VoiceReport']), store, pushToken: async () => TOKEN, logger },
      { deadline: Date.now() + 1_000 },
    ).catch(() => undefined);

    expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ message: 'receipt push refused: wrong or missing token', refusal, messageType: 'VoiceReport' })]);
    if (token !== undefined) expect(lines.join('')).not.toContain(token);
  });

  it('on a stage that stores no push token, 100 anonymous pushes with well-formed tokens cost one read', async () => {
    const read = vi.fn(async (): Promise<string> => {
      throw new SecretReadError('SSM parameter /aliyun-voice/dev/receipt-push-token', 'ParameterNotFound', 'ParameterNotFound (HTTP 400)');
    });
    const pushToken = createPushTokenProvider({ kind: 'ssm', name: '/aliyun-voice/dev/receipt-push-token' }, {}, Date.now, read);

    const errors = [];
    for (let push = 0; push < 100; push += 1) errors.push(await pushWith(`anonymous-guess-${String(push).padStart(8, '0')}`, pushToken));

    expect(read).toHaveBeenCalledTimes(1);
    for (const error of errors) expect(error).toMatchObject({ name: 'SecretReadError', code: 'ParameterNotFound' });
  });
});

describe('createPushTokenProvider', () => {
  it('env: reads RECEIPT_PUSH_TOKEN, trimmed', async () => {
    const provider = createPushTokenProvider({ kind: 'env' }, { RECEIPT_PUSH_TOKEN: ` ${TOKEN}\n` });

    expect(await provider()).toBe(TOKEN);
  });

  it.each([
    ['unset', {}],
    ['blank', { RECEIPT_PUSH_TOKEN: '   ' }],
  ])('env: fails at start when RECEIPT_PUSH_TOKEN is %s (there is no default token)', (_label, env) => {
    const start = () => createPushTokenProvider({ kind: 'env' }, env);

    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/^RECEIPT_PUSH_TOKEN: is required/);
  });

  it.each([
    ['too short', 'short-token'],
    ['not URL-safe', `${TOKEN}+/=`],
    ['with a space inside', `${TOKEN.slice(0, 16)} ${TOKEN.slice(16)}`],
  ])('env: refuses a token %s, without echoing it', (_label, value) => {
    let error: unknown;
    try {
      createPushTokenProvider({ kind: 'env' }, { RECEIPT_PUSH_TOKEN: value });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('RECEIPT_PUSH_TOKEN');
    expect((error as Error).message).not.toContain(value);
  });

  it('ssm: reads the parameter at run time, once while cached, trimmed', async () => {
    const source: SecretSource = { kind: 'ssm', name: '/aliyun-voice/test/receipt-push-token' };
    const read = vi.fn(async (_source: SecretSource) => `${TOKEN}\n`);
    const provider = createPushTokenProvider(source, {}, () => 1_000, read);

    expect(await provider()).toBe(TOKEN);
    expect(await provider()).toBe(TOKEN);
    expect(read).toHaveBeenCalledTimes(1);
    expect(read).toHaveBeenCalledWith(source);
  });

  it('secretsmanager: a stored value that is not a usable token fails naming the variable and the secret, not the value', async () => {
    const provider = createPushTokenProvider({ kind: 'secretsmanager', secretId: 'aliyun-voice/test/push' }, {}, Date.now, async () => 'abc');

    const error = await provider().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('RECEIPT_PUSH_TOKEN_PARAM');
    expect((error as Error).message).toContain('aliyun-voice/test/push');
    expect((error as Error).message).not.toMatch(/\babc\b/);
  });
});

describe('pushedReceiptMessages', () => {
  const at = { messageId: 'push-r1', receivedAt: Date.parse('2026-11-24T10:00:00Z') };

  it('makes one message per receipt, numbered, received now', () => {
    const body = Buffer.from(JSON.stringify([{ call_id: '1^2', status_code: '200000' }, { call_id: '3^4', status_code: '200002' }]));

    const messages = pushedReceiptMessages('VoiceReport', body, at);

    expect(messages.map((message) => [message.messageId, message.enqueueTime, message.receipts.map((receipt) => receipt.status), message.invalid])).toEqual([
      ['push-r1-0', at.receivedAt, ['completed'], undefined],
      ['push-r1-1', at.receivedAt, ['busy'], undefined],
    ]);
  });

  it('cuts an oversized body, never inside a surrogate pair, and says so', () => {
    // 4-byte characters: the cut falls between the two halves of a pair unless it is moved.
    const body = Buffer.from(`[{"x":"${'\u{1F600}'.repeat(MAX_PUSH_BODY_BYTES / 4)}"}]`);

    const [message, ...rest] = pushedReceiptMessages('VoiceReport', body, at);

    expect(rest).toEqual([]);
    expect(message!.receipts).toEqual([]);
    expect(message!.invalid!.rawBody.length).toBe(MAX_INVALID_RAW_CHARS - 1);
    expect(message!.invalid!.rawBody.isWellFormed()).toBe(true);
    expect(message!.invalid!.reason).toMatch(new RegExp(`^body of ${body.byteLength} bytes is larger than the ${MAX_PUSH_BODY_BYTES}-byte limit \\(raw body cut to its first ${MAX_INVALID_RAW_CHARS - 1} of \\d+ characters\\)$`));
  });

  it('never throws on a receipt nested thousands deep: it is one invalid message (docs/security.md#input-limits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 33, max: 20_000 }), fc.constantFrom('[', '{"a":'), (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const body = Buffer.from(`[{"call_id":"1^2","x":${open.repeat(depth)}${open === '[' ? '' : '0'}${close.repeat(depth)}}]`);

        const messages = pushedReceiptMessages('VoiceReport', body, at);

        expect(messages).toHaveLength(1);
        expect(messages[0]!.receipts).toEqual([]);
        expect(messages[0]!.invalid!.reason).toMatch(/nests arrays and objects more than 32 deep/);
      }),
      { numRuns: 50 },
    );
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const messages = pushedReceiptMessages('VoiceCallReport', bytes, at);
        expect(messages.length).toBeGreaterThan(0);
        for (const message of messages) expect(message.receipts.length > 0 || message.invalid !== undefined).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

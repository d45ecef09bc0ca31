/**
 * Receipts delivered by Alibaba's "HTTP batch push" (docs/alibaba/receipts.md#flow) instead of, or beside, the MNS
 * queues: the console-configured URL receives a POST whose body is a JSON array of receipts, and
 * must answer HTTP 200 with `{"code":0,...}` within 700 ms; anything else is redelivered after 1, 5
 * and 10 minutes, then dropped.
 *
 * Alibaba does not sign pushes, so the URL carries a shared secret (`?token=`), compared in
 * constant time before the body is even read. The body then takes exactly the polled receipts'
 * path (receiptMessageFrom → DynamoReceiptStore.storeBatch): items are keyed by Alibaba's natural
 * keys (docs/alibaba/receipts.md#receipt-fields), so a receipt both pushed and polled, or pushed twice, is one item.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecretSource } from '../config.ts';
import { ConfigError, StoreUnavailableError, UnauthorizedError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { readSecret } from '../secrets/awsSecretReader.ts';
import { createSecretProvider, describeSecretSource, type SecretReader, type SecretRequestOptions } from '../secrets/cache.ts';
import type { ReceiptStore } from './receiptStore.ts';
import { decodeMessageBody } from './decode.ts';
import { receiptMessageFrom, type ReceiptMessage } from './receiptMessage.ts';

/**
 * How long a push may spend storing before it gives up and answers 503. docs/alibaba/receipts.md#flow redelivers a push
 * not answered within 700 ms, and a batch write normally takes tens of milliseconds, so answers
 * come well within that. This budget only decides when to give up on a slow store, and giving up
 * early cannot help: a store that finishes late is stored all the same (the redelivery that
 * follows writes the same items again), whereas one abandoned early is not stored at all and
 * waits a minute for the redelivery. Kept short so an outage does not hold Lambdas long.
 */
export const PUSH_STORE_BUDGET_MS = 3_000;
/**
 * Largest body parsed. Alibaba documents no batch size; at about 600 bytes per receipt this is well
 * over a thousand receipts, and it is decode.ts's bound on any receipt body. A larger body is kept
 * (cut) as an invalid receipt, not parsed.
 */
export const MAX_PUSH_BODY_BYTES = 1024 * 1024;
/**
 * An unusable body is stored raw, cut to this many UTF-16 code units: at most 3 UTF-8 bytes each,
 * so the INVALID# item stays under DynamoDB's 400 KB item limit whatever the characters.
 */
export const MAX_INVALID_RAW_CHARS = 100_000;
/** The answer Alibaba expects (docs/alibaba/receipts.md#flow: only a numeric `code` is checked; 0 = received). */
export const PUSH_ACCEPTED = { code: 0, msg: '接收成功' } as const;
/** The token's query parameter: POST /receipts/{messageType}?token=<secret>. */
export const PUSH_TOKEN_PARAMETER = 'token';
/**
 * URL-safe characters only, so the token is the same text in the console's URL and in the query
 * API Gateway decodes; 16 characters at least, so it cannot be guessed (`openssl rand -hex 32`).
 */
const PUSH_TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,512}$/;
const PUSH_TOKEN_MAX_CHARS = 512;
/** The WWW-Authenticate challenge of a refused push (RFC 9110 §11.6.1 requires one with a 401). */
const PUSH_CHALLENGE = `Token realm="aliyun-voice receipts", param="${PUSH_TOKEN_PARAMETER}"`;
/** Unusable entries named in one log entry; the rest are counted. */
const MAX_LOGGED_INVALID = 10;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** Returns the push token's current value; `deadline` bounds a remote read (shared/secrets/cache.ts). */
export type PushTokenProvider = (options?: SecretRequestOptions) => Promise<string>;

/** One push as the route received it. */
export interface ReceiptPush {
  /** The `{messageType}` path segment, unchecked. */
  messageType: string | undefined;
  /** The `token` query parameter, unchecked. Never logged. */
  token: string | undefined;
  /** The body's bytes; read only once the token has been verified. */
  body: () => Uint8Array;
  /** Correlates stored items with the request's log entries (API Gateway's request id). */
  requestId: string;
}

export interface ReceiptPushDependencies {
  /** The receipt types accepted (the keys of RECEIPT_QUEUES). */
  messageTypes: ReadonlySet<string>;
  store: ReceiptStore;
  pushToken: PushTokenProvider;
  logger: Logger;
  now?: () => number;
}

export interface ReceiptPushOutcome {
  /** Receipts stored under their calls. */
  receipts: number;
  /** Bodies or entries stored raw as invalid receipts. */
  invalid: number;
}

/**
 * Verifies, decodes and stores one push. Throws UnauthorizedError (wrong or missing token, body
 * untouched), ValidationError (unknown message type) or StoreUnavailableError (not everything was
 * stored by `deadline`: Alibaba must redeliver). An unusable body is not an error: it is stored raw
 * as an invalid receipt, since redelivering it could never make it better.
 *
 * @example
 *   await acceptReceiptPush(
 *     { messageType: 'VoiceReport', token, body: () => Buffer.from('[{"call_id":"1^2","status_code":"200000"}]'), requestId },
 *     deps,
 *     { deadline: Date.now() + PUSH_STORE_BUDGET_MS },
 *   ); // then answer 200 PUSH_ACCEPTED
 */
export async function acceptReceiptPush(
  push: ReceiptPush,
  deps: ReceiptPushDependencies,
  options: { deadline: number },
): Promise<ReceiptPushOutcome> {
  // A token no push token could equal is refused before the push token is read: anonymous
  // requests must not cost a secret read each (SSM's account-wide quota is shared by every function).
  if (!isWellFormedPushToken(push.token)) throw refusePush(push, deps.logger, push.token === undefined ? 'missing' : 'malformed');
  const expected = await deps.pushToken({ deadline: options.deadline });
  if (!pushTokenMatches(push.token, expected)) throw refusePush(push, deps.logger, 'wrong');
  const messageType = push.messageType ?? '';
  if (!deps.messageTypes.has(messageType)) {
    throw new ValidationError([{ path: 'path.messageType', message: `must be one of: ${[...deps.messageTypes].join(', ')}` }]);
  }

  const receivedAt = (deps.now ?? Date.now)();
  const messages = pushedReceiptMessages(messageType, push.body(), { messageId: `push-${push.requestId}`, receivedAt });
  const { stored, errors } = await deps.store.storeBatch(messages, { deadline: options.deadline });
  const outcome = {
    receipts: messages.reduce((sum, message) => sum + message.receipts.length, 0),
    invalid: messages.filter((message) => message.invalid || message.receipts.length === 0).length,
  };
  if (stored.size < messages.length) {
    // The handler logs the StoreUnavailableError itself as an error; this names what DynamoDB said.
    deps.logger.warn('receipt push not stored; Alibaba will redeliver it', {
      messageType,
      messages: messages.length,
      stored: stored.size,
      errors,
    });
    throw new StoreUnavailableError(`${messages.length - stored.size} of the push's ${messages.length} messages were not stored`, { cause: errors[0] });
  }

  const invalid = messages.filter((message) => message.invalid);
  if (invalid.length > 0) {
    deps.logger.warn('receipt push held unusable content; stored raw as invalid receipts', {
      messageType,
      invalid: invalid.length,
      reasons: invalid.slice(0, MAX_LOGGED_INVALID).map((message) => ({ messageId: message.messageId, reason: message.invalid!.reason })),
    });
  }
  deps.logger.info('receipt push stored', { messageType, ...outcome });
  return outcome;
}

/**
 * Logs a refused push and returns the 401 to throw. A console URL that lost its token after a
 * rotation loses receipts once Alibaba gives up: loud. The token itself is never logged, and the
 * field saying why is not named like a token (the logger redacts such fields whole).
 */
function refusePush(push: ReceiptPush, logger: Logger, refusal: 'missing' | 'malformed' | 'wrong'): UnauthorizedError {
  logger.warn('receipt push refused: wrong or missing token', { refusal, messageType: push.messageType?.slice(0, 64) });
  return new UnauthorizedError(`A valid "${PUSH_TOKEN_PARAMETER}" query parameter is required`, PUSH_CHALLENGE);
}

/** Whether `given` has a push token's form (PUSH_TOKEN_PATTERN), its length checked before the pattern runs. */
function isWellFormedPushToken(given: string | undefined): given is string {
  return given !== undefined && given.length <= PUSH_TOKEN_MAX_CHARS && PUSH_TOKEN_PATTERN.test(given);
}

/**
 * Whether `given` is the push token, in time independent of where the two differ and of their
 * lengths: both are hashed to 32 bytes first, and timingSafeEqual compares the digests.
 */
export function pushTokenMatches(given: string | undefined, expected: string): boolean {
  const givenDigest = createHash('sha256').update(given ?? '', 'utf8').digest();
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(givenDigest, expectedDigest) && given !== undefined;
}

/**
 * A push body → the messages the receipt store writes, exactly as polled ones (receiptMessageFrom):
 * one message per receipt of the array (`<messageId>-<index>`), so one unusable entry is stored raw
 * on its own while its neighbours are stored as receipts; a body that is not an object or an array
 * of objects is one invalid message (`<messageId>`). Never throws.
 *
 * @example pushedReceiptMessages('VoiceReport', Buffer.from('[{"call_id":"1^2"},{"x":1}]'), { messageId: 'push-r1', receivedAt })
 *   // [{ messageId: 'push-r1-0', receipts: [1^2] }, { messageId: 'push-r1-1', receipts: [], invalid: { reason: 'call_id is missing ...' } }]
 */
export function pushedReceiptMessages(
  messageType: string,
  body: Uint8Array,
  at: { messageId: string; receivedAt: number },
): ReceiptMessage[] {
  const whole = { messageId: at.messageId, enqueueTime: at.receivedAt };
  if (body.byteLength > MAX_PUSH_BODY_BYTES) {
    return [invalidMessage(messageType, whole, lossyUtf8.decode(body), `body of ${body.byteLength} bytes is larger than the ${MAX_PUSH_BODY_BYTES}-byte limit`)];
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return [invalidMessage(messageType, whole, lossyUtf8.decode(body), 'body is not UTF-8')];
  }
  const decoded = decodeMessageBody(text);
  if (!decoded.ok) return [boundRawBody(receiptMessageFrom(messageType, { ...whole, body: text }))];
  return decoded.receipts.map((receipt, index) =>
    boundRawBody(
      receiptMessageFrom(messageType, { messageId: `${at.messageId}-${index}`, enqueueTime: at.receivedAt, body: JSON.stringify(receipt) }),
    ),
  );
}

function invalidMessage(messageType: string, base: { messageId: string; enqueueTime: number }, rawBody: string, reason: string): ReceiptMessage {
  return boundRawBody({ ...base, messageType, receipts: [], invalid: { rawBody, reason } });
}

/** Cuts an invalid raw body to MAX_INVALID_RAW_CHARS (never inside a surrogate pair) and says so in the reason. */
function boundRawBody(message: ReceiptMessage): ReceiptMessage {
  const invalid = message.invalid;
  if (!invalid || invalid.rawBody.length <= MAX_INVALID_RAW_CHARS) return message;
  let end = MAX_INVALID_RAW_CHARS;
  const last = invalid.rawBody.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return {
    ...message,
    invalid: {
      rawBody: invalid.rawBody.slice(0, end),
      reason: `${invalid.reason} (raw body cut to its first ${end} of ${invalid.rawBody.length} characters)`,
    },
  };
}

/**
 * The push token's provider for RECEIPT_PUSH_TOKEN_PARAM: `env` reads RECEIPT_PUSH_TOKEN, required
 * (there is no default token, so a stage without one fails at cold start, naming the variable);
 * `ssm:` / `secretsmanager:` read the value at run time through shared/secrets/cache.ts (cached, a rotated
 * value picked up within its cache lifetime). Surrounding whitespace is ignored; the value must be
 * 16-512 URL-safe characters (`A-Z a-z 0-9 . _ ~ -`). Errors never contain the value.
 */
export function createPushTokenProvider(
  source: SecretSource,
  env: Readonly<Record<string, string | undefined>> = process.env,
  now: () => number = Date.now,
  read: SecretReader = readSecret,
): PushTokenProvider {
  if (source.kind === 'env') {
    const value = env.RECEIPT_PUSH_TOKEN?.trim();
    if (!value) {
      throw new ConfigError('RECEIPT_PUSH_TOKEN', 'is required by the receipt push route when RECEIPT_PUSH_TOKEN_PARAM is "env" or unset');
    }
    const token = checkedPushToken(value, 'RECEIPT_PUSH_TOKEN', 'the value');
    return () => Promise.resolve(token);
  }
  const secret = createSecretProvider(source, read, { now });
  const where = describeSecretSource(source);
  return async (options) => checkedPushToken((await secret(options)).trim(), 'RECEIPT_PUSH_TOKEN_PARAM', where);
}

function checkedPushToken(value: string, variable: string, where: string): string {
  if (!PUSH_TOKEN_PATTERN.test(value)) {
    throw new ConfigError(variable, `${where} must be 16-512 URL-safe characters (A-Z a-z 0-9 . _ ~ -), for example from "openssl rand -hex 32"`);
  }
  return value;
}

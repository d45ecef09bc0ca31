/**
 * Structured logs (shared/logger.ts, on Powertools Logger): one JSON line per entry; phone numbers
 * masked to their last 4 digits, secrets redacted, CallIds readable, errors serialised, levels
 * respected, child fields merged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlibabaError } from '#shared/errors';
import { createLogger, maskPhone, type LogLevel } from '#shared/logger';

const PHONE = '13800138000';
const MASKED = '*******8000';
const CALL_ID = '116012354148^102813781234';

/** A logger writing into an array; `entries()` parses each line. */
function capture(base: Record<string, unknown> = {}, level: LogLevel = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(base, { level, write: (line) => lines.push(line) });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('entry shape', () => {
  it('writes one JSON line with Powertools\' level, message, ISO timestamp and service, then the fields', () => {
    // arrange
    const { logger, lines } = capture();
    // act
    logger.info('call placed', { outId: 'order-001', attempt: 1 });
    // assert
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toEqual({
      level: 'INFO',
      message: 'call placed',
      timestamp: expect.any(String),
      service: 'aliyun-voice',
      outId: 'order-001',
      attempt: 1,
    });
    expect(Object.keys(entry).slice(0, 4)).toEqual(['level', 'message', 'timestamp', 'service']);
    expect(new Date(entry.timestamp).toISOString()).toBe(entry.timestamp);
  });
});

describe('maskPhone keeps only the last 4 digits', () => {
  it.each([
    ['13800138000', '*******8000'],
    ['057100000000', '********0000'],
    ['+8613800138000', '+*********8000'],
    ['8000', '8000'],
    ['12345', '*2345'],
  ])('%s -> %s', (phone, expected) => {
    expect(maskPhone(phone)).toBe(expected);
  });
});

describe('phone numbers are masked (last 4 kept)', () => {
  it.each([
    'calledNumber',
    'calledShowNumber',
    'callerNumber',
    'callerShowNumber',
    'CalledNumber',
    'callee',
    'caller',
    'showNumber',
    'show_num',
    'phone',
    'phoneNumber',
  ])('in a field named %s', (key) => {
    const { logger, entries } = capture();
    logger.info('x', { [key]: PHONE });
    expect(entries()[0]![key]).toBe(MASKED);
  });

  it.each(['calledNumber', 'callee', 'caller', 'showNumber'])(
    'in a field named %s even when too short for free-text masking (a 6-digit short code)',
    (key) => {
      const { logger, entries } = capture();
      logger.info('x', { [key]: '955880', note: 'short code 955880' });
      expect(entries()[0]).toMatchObject({ [key]: '**5880', note: 'short code 955880' });
    },
  );

  it('in fields nested in objects and arrays (a raw receipt body)', () => {
    const { logger, lines, entries } = capture();
    logger.info('receipt', { receipt: { callee: PHONE, legs: [{ caller: '13900139000' }] } });
    expect(entries()[0]!.receipt).toEqual({ callee: MASKED, legs: [{ caller: '*******9000' }] });
    expect(lines[0]).not.toContain(PHONE);
  });

  it.each([
    [`calling ${PHONE} now`, `calling ${MASKED} now`],
    [`callee=${PHONE}`, `callee=${MASKED}`],
    [`to +86${PHONE}.`, `to +*********8000.`],
    ['landline 0571-12345678', 'landline 0571-****5678'],
    [`two: ${PHONE},13900139000`, `two: ${MASKED},*******9000`],
  ])('inside free text of the message: %j', (message, expected) => {
    const { logger, entries } = capture();
    logger.info(message);
    expect(entries()[0]!.message).toBe(expected);
  });

  it('inside free text of any string field', () => {
    const { logger, entries } = capture();
    logger.warn('refused', { detail: `isv.MOBILE_NUMBER_ILLEGAL for ${PHONE}` });
    expect(entries()[0]!.detail).toBe(`isv.MOBILE_NUMBER_ILLEGAL for ${MASKED}`);
  });

  it('inside an Error message and stack', () => {
    const { logger, lines } = capture();
    logger.error('failed', { error: new Error(`number ${PHONE} is blocked`) });
    expect(lines[0]).not.toContain(PHONE);
    expect(lines[0]).toContain(MASKED);
  });
});

describe('template values in a string to sign are not written (docs/security.md#logs-and-errors)', () => {
  it('redacts template parameters of an echoed string to sign in free text and error messages, and masks its numbers', () => {
    const { logger, lines } = capture();
    const echoed = 'server string to sign is:POST&%2F&CalledNumber%3D13800138000%26TtsParam%3D%257B%2522code%2522%253A%2522QZ8K4X%2522%257D';

    logger.error(`signature refused: ${echoed}`, { reason: echoed, error: new Error(`Specified signature is not matched. ${echoed}`) });

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('QZ8K4X');
    expect(lines[0]).not.toContain('13800138000');
    expect(lines[0]).toContain('Specified signature is not matched.');
    expect(lines[0]).toContain('CalledNumber%3D*******8000%26TtsParam%3D[redacted]');
  });
});

describe('what stays readable', () => {
  it('a CallId in a field', () => {
    const { logger, entries } = capture();
    logger.info('x', { callId: CALL_ID });
    expect(entries()[0]!.callId).toBe(CALL_ID);
  });

  it.each([`call ${CALL_ID} finished`, `Location: /calls/${CALL_ID}`, `${CALL_ID}`])('a CallId in free text: %j', (message) => {
    const { logger, entries } = capture();
    logger.info(message);
    expect(entries()[0]!.message).toBe(message);
  });

  it('request and message ids (UUIDs) whose last group is all digits, beside a masked number', () => {
    // arrange
    const id = '7dd3b9f5-1a2b-4c3d-8e9f-123456787098';
    const { logger, entries } = capture();
    // act
    logger.info(`message ${id} for ${PHONE}`, { messageId: id, requestId: id.toUpperCase() });
    // assert
    const entry = entries()[0]!;
    expect(entry.message).toBe(`message ${id} for ${MASKED}`);
    expect(entry.messageId).toBe(id);
    expect(entry.requestId).toBe(id.toUpperCase());
  });

  it.each(['attempt 2 of 3', 'HTTP 503 after 1500 ms', 'code 200000', 'year 2024'])('short numbers in text: %j', (message) => {
    const { logger, entries } = capture();
    logger.info(message);
    expect(entries()[0]!.message).toBe(message);
  });

  it('numbers that are not strings, in fields not named like phones', () => {
    const { logger, entries } = capture();
    logger.info('x', { durationMs: 123456789, status: 429 });
    expect(entries()[0]).toMatchObject({ durationMs: 123456789, status: 429 });
  });
});

describe('secrets are redacted at any depth', () => {
  it.each(['accessKeySecret', 'AccessKeySecret', 'securityToken', 'SecurityToken', 'signature', 'Signature', 'authorization', 'Authorization', 'password', 'x-acs-security-token'])(
    'a top-level %s',
    (key) => {
      const { logger, lines, entries } = capture();
      logger.info('x', { [key]: 'VERY-SECRET-VALUE' });
      expect(entries()[0]![key]).toBe('[redacted]');
      expect(lines[0]).not.toContain('VERY-SECRET-VALUE');
    },
  );

  it.each([
    ['nested in objects', { request: { headers: { Authorization: 'acs testid:VERY-SECRET-VALUE' } } }],
    ['inside an array', { attempts: [{ signature: 'VERY-SECRET-VALUE' }, { signature: 'VERY-SECRET-VALUE' }] }],
    ['four levels down', { a: { b: { c: { credentials: { accessKeySecret: 'VERY-SECRET-VALUE' } } } } }],
    ['whatever the value type', { securityToken: { value: 'VERY-SECRET-VALUE', expires: 1 } }],
    ['in an Error\'s details', { error: new AlibabaError('account', 'SignatureDoesNotMatch', 'x', { requestId: 'R', httpStatus: 400 }) }],
    ['in the base fields', {}],
  ])('%s', (_name, fields) => {
    const { logger, lines } = capture({ mns: { accessKeySecret: 'VERY-SECRET-VALUE' } });
    logger.info('x', fields);
    expect(lines[0]).not.toContain('VERY-SECRET-VALUE');
    expect(lines[0]).toContain('[redacted]');
  });

  it('keeps the access key id (an identifier, not a secret) readable', () => {
    const { logger, entries } = capture();
    logger.info('x', { accessKeyId: 'LTAI5tExampleId' });
    expect(entries()[0]!.accessKeyId).toBe('LTAI5tExampleId');
  });
});

describe('Error objects are serialised', () => {
  it('with name, message and code', () => {
    const { logger, entries } = capture();
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    logger.error('failed', { error });
    expect(entries()[0]!.error).toMatchObject({ name: 'Error', message: 'socket hang up', code: 'ECONNRESET' });
  });

  it('with the subclass name, code and kind of an AlibabaError', () => {
    const { logger, entries } = capture();
    logger.error('failed', { error: new AlibabaError('throttled', 'isv.BUSINESS_LIMIT_CONTROL', 'limited', { requestId: 'R-1' }) });
    expect(entries()[0]!.error).toMatchObject({
      name: 'AlibabaError',
      message: 'limited',
      code: 'isv.BUSINESS_LIMIT_CONTROL',
      kind: 'throttled',
      details: { requestId: 'R-1' },
    });
  });

  it.each([
    ['TypeError', new TypeError('x is not a function')],
    ['RangeError', new RangeError('out of range')],
  ])('with the built-in name %s', (name, error) => {
    const { logger, entries } = capture();
    logger.error('failed', { error });
    expect(entries()[0]!.error).toMatchObject({ name, message: error.message });
  });

  it('inside arrays too (not as an empty object)', () => {
    const { logger, entries } = capture();
    logger.error('failed', { errors: [new Error('first'), new Error('second')] });
    expect(entries()[0]!.errors).toMatchObject([{ message: 'first' }, { message: 'second' }]);
  });
});

describe('level threshold', () => {
  const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const)('at %s, writes %j', (threshold, written) => {
    // arrange
    const { logger, entries } = capture({}, threshold);
    // act
    for (const level of LEVELS) logger[level](`a ${level} entry`);
    // assert
    expect(entries().map((entry) => entry.level)).toEqual(written.map((level) => level.toUpperCase()));
  });

  it('defaults to LOG_LEVEL from the environment', () => {
    vi.stubEnv('LOG_LEVEL', 'error');
    const lines: string[] = [];
    const logger = createLogger({}, { write: (line) => lines.push(line) });
    logger.warn('dropped');
    logger.error('kept');
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['kept']);
  });

  it('falls back to info for an unknown LOG_LEVEL', () => {
    vi.stubEnv('LOG_LEVEL', 'verbose');
    const lines: string[] = [];
    const logger = createLogger({}, { write: (line) => lines.push(line) });
    logger.debug('dropped');
    logger.info('kept');
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['kept']);
  });

  it('keeps the threshold in child loggers', () => {
    const { logger, entries } = capture({}, 'warn');
    const child = logger.child({ requestId: 'r' });
    child.info('dropped');
    child.warn('kept');
    expect(entries().map((entry) => entry.message)).toEqual(['kept']);
  });
});

describe('child()', () => {
  it('merges its fields with the parent\'s into every entry', () => {
    const { logger, entries } = capture({ service: 'aliyun-voice' });
    logger.child({ requestId: 'req-1', route: 'POST /calls' }).info('x', { outId: 'o-1' });
    expect(entries()[0]).toMatchObject({ service: 'aliyun-voice', requestId: 'req-1', route: 'POST /calls', outId: 'o-1' });
  });

  it('lets the closer fields win: entry over child over parent', () => {
    const { logger, entries } = capture({ service: 'aliyun-voice', stage: 'base' });
    const child = logger.child({ stage: 'child', requestId: 'req-1' });
    child.info('a');
    child.info('b', { requestId: 'req-2' });
    expect(entries()).toMatchObject([
      { stage: 'child', requestId: 'req-1' },
      { stage: 'child', requestId: 'req-2' },
    ]);
  });

  it('does not change the parent', () => {
    const { logger, entries } = capture({ service: 'aliyun-voice' });
    logger.child({ requestId: 'req-1' });
    logger.info('parent');
    expect(entries()[0]).not.toHaveProperty('requestId');
  });

  it('nests: a grandchild carries every ancestor\'s fields', () => {
    const { logger, entries } = capture({ service: 'aliyun-voice' });
    logger.child({ requestId: 'req-1' }).child({ callId: CALL_ID }).info('x');
    expect(entries()[0]).toMatchObject({ service: 'aliyun-voice', requestId: 'req-1', callId: CALL_ID });
  });

  it('masks and redacts child fields like any others', () => {
    const { logger, lines } = capture();
    logger.child({ calledNumber: PHONE, securityToken: 'VERY-SECRET-VALUE' }).info('x');
    expect(lines[0]).toContain(MASKED);
    expect(lines[0]).not.toContain(PHONE);
    expect(lines[0]).not.toContain('VERY-SECRET-VALUE');
  });
});

describe('hostile field shapes', () => {
  it('redacts a secret nested deeper than the kept depth', () => {
    const { logger, lines } = capture();
    let fields: Record<string, unknown> = { accessKeySecret: 'VERY-SECRET-VALUE' };
    for (let level = 0; level < 7; level++) fields = { nested: fields };
    logger.info('x', fields);
    expect(lines[0]).not.toContain('VERY-SECRET-VALUE');
  });

  it('does not throw when a field holds a circular structure', () => {
    const { logger } = capture();
    const circular: Record<string, unknown> = { id: 1 };
    circular.self = circular;
    expect(() => logger.info('x', { circular })).not.toThrow();
  });

  it('masks a phone number given as a JSON number under a phone-like key', () => {
    const { logger, lines } = capture();
    logger.info('x', { calledNumber: 13800138000 });
    expect(lines[0]).not.toContain(PHONE);
  });

  it('keeps the entry\'s own level and message when fields use those names', () => {
    const { logger, entries } = capture();
    logger.error('the real message', { level: 'debug', message: 'a field called message' });
    expect(entries()[0]).toMatchObject({ level: 'ERROR', message: 'the real message' });
    expect(entries()).toHaveLength(1);
  });
});

describe('identifiers that contain long digit runs', () => {
  it('leaves MNS queue names readable while masking a phone number beside them', () => {
    const lines: string[] = [];
    const logger = createLogger({}, { level: 'info', write: (line) => lines.push(line) });

    logger.info('drained Alicom-Queue-1234567890-VoiceReport for 13800138000');

    const entry = JSON.parse(lines[0]!) as { message: string };
    expect(entry.message).toBe('drained Alicom-Queue-1234567890-VoiceReport for *******8000');
  });
});

describe('phone numbers inside percent-encoded text (an Alibaba string to sign)', () => {
  it.each([
    ['encoded once', 'GET&%2F&AccessKeyId%3Dabc%26CalledNumber%3D13800138000%26Format%3DJSON', 'CalledNumber%3D*******8000'],
    ['encoded twice', 'POST&%2F&CalledNumber%253D13800138000%2526Format', 'CalledNumber%253D*******8000'],
  ])('masks the number when %s', (_name, text, masked) => {
    const lines: string[] = [];
    const logger = createLogger({}, { level: 'info', write: (line) => lines.push(line) });

    logger.info(`server string to sign: ${text}`);

    const entry = JSON.parse(lines[0]!) as { message: string };
    expect(entry.message).toContain(masked);
    expect(entry.message).not.toContain('13800138000');
  });
});

/**
 * What one attempt's outcome means (shared/alibaba/answers.ts), judged directly on outcomes built
 * here: the RPC client's own tests (rpcClient.test.ts) reach the same rules through a scripted
 * server, these pin each rule and each detail an error carries.
 */
import { describe, expect, it } from 'vitest';
import { deadlineError, judge, type AttemptVerdict, type RequestSafety } from '#shared/alibaba/answers';
import { AttemptTimeoutError, type AttemptOutcome } from '#shared/alibaba/dispatch';
import { AlibabaError } from '#shared/errors';

const ACTION = 'SingleCallByTts';
const ORIGIN = 'https://dyvmsapi.aliyuncs.com';
const QUERY: RequestSafety = { placesCall: false, changesState: false };
const PLACE: RequestSafety = { placesCall: true, changesState: true };
const CANCEL: RequestSafety = { placesCall: false, changesState: true };

function answer(status: number, body: unknown, headers: Record<string, string | string[]> = {}, truncated = false): AttemptOutcome {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { type: 'response', status, headers, body: Buffer.from(text), truncated };
}

function failure(verdict: AttemptVerdict): { error: AlibabaError; retryable: boolean } {
  if (verdict.ok) return expect.fail('expected a failure');
  return verdict;
}

describe('judge: answers with a JSON envelope', () => {
  it('HTTP 2xx with Code OK is the result: the whole envelope and its RequestId', () => {
    const envelope = { Code: 'OK', Message: 'OK', RequestId: 'R-1', CallId: '1^2' };
    expect(judge(ACTION, answer(200, envelope), PLACE, ORIGIN)).toEqual({ ok: true, result: { requestId: 'R-1', body: envelope } });
    expect(judge(ACTION, answer(299, envelope), PLACE, ORIGIN).ok).toBe(true);
  });

  it('takes the RequestId from the x-acs-request-id header when the envelope has none (or an empty one), else ""', () => {
    const header = { 'x-acs-request-id': 'H-1' };
    expect(judge(ACTION, answer(200, { Code: 'OK' }, header), QUERY, ORIGIN)).toMatchObject({ ok: true, result: { requestId: 'H-1' } });
    expect(judge(ACTION, answer(200, { Code: 'OK', RequestId: '' }, { 'x-acs-request-id': ['H-2', 'H-3'] }), QUERY, ORIGIN)).toMatchObject({ ok: true, result: { requestId: 'H-2' } });
    expect(judge(ACTION, answer(200, { Code: 'OK', RequestId: 'R-1' }, header), QUERY, ORIGIN)).toMatchObject({ ok: true, result: { requestId: 'R-1' } });
    expect(judge(ACTION, answer(200, { Code: 'OK' }), QUERY, ORIGIN)).toMatchObject({ ok: true, result: { requestId: '' } });
    expect(failure(judge(ACTION, answer(400, { Code: 'isv.MOBILE_NUMBER_ILLEGAL' }, header), QUERY, ORIGIN)).error.requestId).toBe('H-1');
  });

  it.each([
    ['HTTP 300', 300],
    ['HTTP 500', 500],
    ['HTTP 199', 199],
  ])('Code OK with %s is no success', (_label, status) => {
    const { error } = failure(judge(ACTION, answer(status, { Code: 'OK', RequestId: 'R-1' }), QUERY, ORIGIN));
    expect(error.code).toBe('OK');
  });

  it('a truncated body is never read as a success, even if what arrived parses', () => {
    const verdict = judge(ACTION, answer(200, { Code: 'OK', RequestId: 'R-1' }, {}, true), PLACE, ORIGIN);
    expect(failure(verdict).error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
  });

  it('an error envelope: the code, kind, message, RequestId and HTTP status', () => {
    const { error, retryable } = failure(
      judge(ACTION, answer(400, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: 'invalid number', RequestId: 'R-9' }), PLACE, ORIGIN),
    );
    expect(retryable).toBe(false);
    expect(error).toBeInstanceOf(AlibabaError);
    expect(error).toMatchObject({ kind: 'rejected', code: 'isv.MOBILE_NUMBER_ILLEGAL', message: 'invalid number' });
    expect(error.details).toStrictEqual({ action: ACTION, requestId: 'R-9', httpStatus: 400 });
  });

  it('an error envelope without a Message gets one naming the action, the code and the status', () => {
    const { error } = failure(judge(ACTION, answer(400, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '' }), QUERY, ORIGIN));
    expect(error.message).toBe('SingleCallByTts failed with isv.MOBILE_NUMBER_ILLEGAL (HTTP 400)');
  });

  it('a numeric Code is read as text; a Code of another type is no code', () => {
    expect(failure(judge(ACTION, answer(400, { Code: 100008 }), QUERY, ORIGIN)).error).toMatchObject({ kind: 'rejected', code: '100008' });
    // No usable code: a 2xx without one is an unreadable success envelope.
    for (const Code of [true, null, { text: 'OK' }, ['OK']]) {
      expect(failure(judge(ACTION, answer(200, { Code }), QUERY, ORIGIN)).error, JSON.stringify(Code)).toMatchObject({ kind: 'transient', code: 'HTTP_200' });
    }
  });

  it('transient codes are retried, except for a call-placing request, which only a nonce rejection allows', () => {
    const internal = answer(500, { Code: 'InternalError' });
    expect(failure(judge(ACTION, internal, QUERY, ORIGIN))).toMatchObject({ retryable: true, error: { kind: 'transient' } });
    expect(failure(judge(ACTION, internal, CANCEL, ORIGIN))).toMatchObject({ retryable: true, error: { kind: 'transient' } });
    expect(failure(judge(ACTION, internal, PLACE, ORIGIN))).toMatchObject({ retryable: false, error: { kind: 'transient' } });
    expect(failure(judge(ACTION, answer(400, { Code: 'SignatureNonceUsed' }), PLACE, ORIGIN))).toMatchObject({ retryable: true });
    expect(failure(judge(ACTION, answer(429, { Code: 'Throttling.User' }), QUERY, ORIGIN))).toMatchObject({ retryable: false, error: { kind: 'throttled' } });
  });

  it('a throttled answer carries the seconds to wait (the server\'s Retry-After first); no other answer has the field', () => {
    const throttled = failure(judge(ACTION, answer(400, { Code: 'isv.BUSINESS_LIMIT_CONTROL' }), PLACE, ORIGIN)).error;
    expect(throttled.details.retryAfterSeconds).toBe(60);
    const told = failure(judge(ACTION, answer(429, { Code: 'Throttling' }, { 'retry-after': ['7', '9'] }), PLACE, ORIGIN)).error;
    expect(told.details.retryAfterSeconds).toBe(7);
    const rejected = failure(judge(ACTION, answer(400, { Code: 'isv.MOBILE_NUMBER_ILLEGAL' }, { 'retry-after': '7' }), PLACE, ORIGIN)).error;
    expect(rejected.details).not.toHaveProperty('retryAfterSeconds');
  });
});

describe('judge: answers without a JSON envelope', () => {
  it.each([
    ['HTML from a proxy', '<html>Bad Gateway</html>'],
    ['a JSON array', '[{"Code":"OK"}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"OK"'],
    ['nothing', ''],
  ])('to a call-placing request, a 2xx or 5xx with %s leaves the call\'s fate unknown: ambiguous, never re-sent', (_label, body) => {
    for (const status of [200, 500, 502, 504]) {
      const { error, retryable } = failure(judge(ACTION, answer(status, body), PLACE, ORIGIN));
      expect(retryable).toBe(false);
      expect(error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
      expect(error.message).toBe(
        `SingleCallByTts: Alibaba answered HTTP ${status} without a readable envelope; whether it took effect (a call placed or cancelled) is unknown`,
      );
      expect(error.details).toMatchObject({ action: ACTION, httpStatus: status });
    }
  });

  it.each([
    [499, 'account', false],
    [408, 'transient', true],
    [429, 'throttled', false],
    [404, 'account', false],
    [301, 'account', false],
  ] as const)('to a call-placing request, HTTP %i without an envelope is %s', (status, kind, retryable) => {
    const verdict = failure(judge(ACTION, answer(status, '<html/>'), PLACE, ORIGIN));
    expect(verdict).toMatchObject({ retryable, error: { kind, code: `HTTP_${status}` } });
  });

  it.each([
    [200, 'transient', true],
    [502, 'transient', true],
    [408, 'transient', true],
    [404, 'account', false],
  ] as const)('to a query, HTTP %i without an envelope is %s', (status, kind, retryable) => {
    const { error, retryable: again } = failure(judge('QueryCallDetailByCallId', answer(status, 'Service Unavailable', { 'x-acs-request-id': 'H-1' }), QUERY, ORIGIN));
    expect(again).toBe(retryable);
    expect(error).toMatchObject({ kind, code: `HTTP_${status}`, message: `QueryCallDetailByCallId: Alibaba answered HTTP ${status} without a JSON envelope` });
    expect(error.details).toStrictEqual({ action: 'QueryCallDetailByCallId', requestId: 'H-1', httpStatus: status });
  });

  it('a bare 429 carries the server\'s Retry-After, else the default wait', () => {
    expect(failure(judge(ACTION, answer(429, '', { 'retry-after': '30' }), QUERY, ORIGIN)).error.details.retryAfterSeconds).toBe(30);
    expect(failure(judge(ACTION, answer(429, ''), QUERY, ORIGIN)).error.details.retryAfterSeconds).toBe(1);
  });
});

describe('judge: transport failures', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it('nothing was sent: transient and retried, even for a call-placing request', () => {
    for (const safety of [PLACE, CANCEL, QUERY]) {
      const { error, retryable } = failure(judge(ACTION, { type: 'transport', error: refused, sent: false, timedOut: false }, safety, ORIGIN));
      expect(retryable).toBe(true);
      expect(error).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED', message: `SingleCallByTts: the request could not be sent to ${ORIGIN} (ECONNREFUSED)` });
      expect(error.details).toStrictEqual({ action: ACTION, timedOut: false, cause: refused });
    }
  });

  it('our own timer is RequestTimeout, whatever the error says', () => {
    const timeout = new AttemptTimeoutError(500);
    const { error } = failure(judge(ACTION, { type: 'transport', error: timeout, sent: false, timedOut: true }, QUERY, ORIGIN));
    expect(error).toMatchObject({ code: 'RequestTimeout', details: { timedOut: true } });
  });

  it('sent without an answer: a request that changes a call is ambiguous and never re-sent', () => {
    for (const safety of [PLACE, CANCEL]) {
      const { error, retryable } = failure(judge('CancelCall', { type: 'transport', error: refused, sent: true, timedOut: true }, safety, ORIGIN));
      expect(retryable).toBe(false);
      expect(error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
      expect(error.message).toBe(
        'CancelCall: the request may have reached Alibaba but no answer was received (ECONNREFUSED); whether it took effect (a call placed or cancelled) is unknown',
      );
      expect(error.details).toStrictEqual({ action: 'CancelCall', timedOut: true, cause: refused });
    }
  });

  it('sent without an answer: a query is transient and retried', () => {
    const { error, retryable } = failure(judge('QueryCallDetailByCallId', { type: 'transport', error: new Error('socket hang up'), sent: true, timedOut: false }, QUERY, ORIGIN));
    expect(retryable).toBe(true);
    expect(error).toMatchObject({ kind: 'transient', code: 'TransportError', message: `QueryCallDetailByCallId: no answer from ${ORIGIN} (TransportError)` });
  });
});

describe('deadlineError', () => {
  it('before any attempt: DeadlineExceeded, transient, timed out', () => {
    const error = deadlineError(ACTION, 0, undefined);
    expect(error).toMatchObject({ kind: 'transient', code: 'DeadlineExceeded', message: 'SingleCallByTts: no time left before the deadline to send the request' });
    expect(error.details).toStrictEqual({ action: ACTION, timedOut: true });
  });

  it('after attempts: the last error, marked timed out, saying how many attempts were made', () => {
    const last = new AlibabaError('transient', 'InternalError', 'InternalError from Alibaba', { action: ACTION, requestId: 'R-1', httpStatus: 500 });
    const once = deadlineError(ACTION, 1, last);
    expect(once).toMatchObject({ kind: 'transient', code: 'InternalError', message: 'InternalError from Alibaba (gave up at the deadline after 1 attempt)' });
    expect(once.details).toStrictEqual({ action: ACTION, requestId: 'R-1', httpStatus: 500, timedOut: true, cause: last });
    expect(deadlineError(ACTION, 3, last).message).toBe('InternalError from Alibaba (gave up at the deadline after 3 attempts)');
  });
});

import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlibabaError } from '#shared/errors';
import { AlibabaRpcClient, type AttemptInfo, type RpcClientOptions } from '#shared/alibaba/rpcClient';
import { destroyPools, poolFor } from '#shared/alibaba/pool';
import type { AlibabaCredentials } from '#shared/signing/index';
import { FakeAlibaba, TEST_KEY_ID, TEST_SECRET, type Step } from './fakeAlibaba.ts';

const VERSION = '2017-05-25';
const KEYS: AlibabaCredentials = { accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_SECRET };
const STS_KEYS: AlibabaCredentials = { ...KEYS, securityToken: 'CAISexampleSecurityToken+/=' };

/** SingleCallByTts parameters with characters that exercise the encoding (docs/alibaba/signatures.md#rpc-signature-v1 Vector A). */
const TTS_PARAMS = {
  CalledNumber: '13800138000',
  CalledShowNumber: '057100000000',
  TtsCode: 'TTS_123456789',
  TtsParam: '{"code":"1234","name":"张三 *~!"}',
  PlayTimes: '2',
  OutId: 'order-001',
};

let server: FakeAlibaba;

beforeEach(async () => {
  server = await new FakeAlibaba().start();
});

afterEach(async () => {
  await server.stop();
  await destroyPools();
});

function client(overrides: Partial<RpcClientOptions> = {}): AlibabaRpcClient {
  return new AlibabaRpcClient({
    endpoint: server.endpoint,
    version: VERSION,
    signatureVersion: 'v1',
    credentials: () => Promise.resolve(KEYS),
    attemptTimeoutMs: 1_000,
    maxAttempts: 3,
    backoffBaseMs: 10,
    ...overrides,
  });
}

/** Awaits a rejection, checks it is an AlibabaError that leaks no secret or signature, returns it. */
async function failure(promise: Promise<unknown>): Promise<AlibabaError> {
  const error = await promise.then(
    () => expect.fail('the call was expected to fail'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AlibabaError);
  const alibabaError = error as AlibabaError;
  const visible = `${alibabaError.message} ${JSON.stringify({ ...alibabaError.details, cause: String(alibabaError.details.cause) })}`;
  expect(visible).not.toContain(TEST_SECRET);
  expect(visible).not.toContain('Signature=');
  expect(visible).not.toContain('authorization');
  return alibabaError;
}

function recorder(): { attempts: AttemptInfo[]; onAttempt: (info: AttemptInfo) => void } {
  const attempts: AttemptInfo[] = [];
  return { attempts, onAttempt: (info) => attempts.push(info) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('success and signatures', () => {
  it('V1: posts a verified form and returns the envelope', async () => {
    const result = await client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true });

    expect(result).toEqual({
      requestId: 'req-1',
      body: { RequestId: 'req-1', Code: 'OK', Message: 'OK', CallId: '116012354148^req-1' },
    });
    const [seen] = server.requests;
    expect(seen).toMatchObject({ signatureVersion: 'v1', verified: true, action: 'SingleCallByTts' });
    expect(seen?.params).toMatchObject({
      ...TTS_PARAMS,
      Action: 'SingleCallByTts',
      Version: VERSION,
      Format: 'JSON',
      RegionId: 'cn-hangzhou', // docs/alibaba/rpc.md#common-parameters: harmless default for V1
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
    });
    expect(seen?.params.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('V1 with STS credentials signs the SecurityToken', async () => {
    await client({ credentials: () => Promise.resolve(STS_KEYS) }).call('QueryCallDetailByCallId', { CallId: 'x^1' });

    expect(server.requests[0]).toMatchObject({ verified: true });
    expect(server.requests[0]?.params.SecurityToken).toBe(STS_KEYS.securityToken);
  });

  it('V3: posts the parameters as a signed form body with signed content-type', async () => {
    const result = await client({ signatureVersion: 'v3' }).call('SingleCallByTts', TTS_PARAMS, { placesCall: true });

    expect(result.requestId).toBe('req-1');
    const [seen] = server.requests;
    expect(seen).toMatchObject({ signatureVersion: 'v3', verified: true, action: 'SingleCallByTts' });
    expect(seen?.params).toEqual(TTS_PARAMS); // no RegionId unless configured (docs/alibaba/signatures.md#rpc-signature-v3)
    expect(seen?.headers['x-acs-version']).toBe(VERSION);
    expect(seen?.headers.accept).toBe('application/json');
    expect(seen?.headers.authorization).toContain('SignedHeaders=content-type;host;');
  });

  it('V3 with STS credentials and a configured RegionId verifies', async () => {
    await client({ signatureVersion: 'v3', regionId: 'cn-shanghai', credentials: () => Promise.resolve(STS_KEYS) }).call(
      'CancelCall',
      { CallId: 'x^1' },
    );

    expect(server.requests[0]).toMatchObject({ verified: true, params: { CallId: 'x^1', RegionId: 'cn-shanghai' } });
    expect(server.requests[0]?.headers['x-acs-security-token']).toBe(STS_KEYS.securityToken);
  });

  it.each(['v1', 'v3'] as const)('%s with a wrong secret is refused by the verifying server (account)', async (signatureVersion) => {
    const wrongKeys = { accessKeyId: TEST_KEY_ID, accessKeySecret: 'not-the-secret' };
    const error = await failure(
      client({ signatureVersion, credentials: () => Promise.resolve(wrongKeys) }).call('SingleCallByTts', TTS_PARAMS),
    );

    expect(error).toMatchObject({ kind: 'account', code: 'SignatureDoesNotMatch' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.verifyProblem).toBe('signature mismatch');
  });

  it('asks for credentials once per call, not per attempt', async () => {
    server.script({ kind: 'json', status: 500, code: 'InternalError' });
    let reads = 0;
    await client({ credentials: () => (reads++, Promise.resolve(KEYS)) }).call('QueryCallDetailByCallId', { CallId: 'a' });

    expect(server.requests).toHaveLength(2);
    expect(reads).toBe(1);
  });

  it('treats HTTP 200 with a Code other than OK as a failure (docs/alibaba/rpc.md#http-status-codes)', async () => {
    server.script({ kind: 'json', status: 200, code: 'isv.TEMPLATE_ILLEGAL', message: 'template missing' });
    const error = await failure(client().call('SingleCallByTts', TTS_PARAMS));

    expect(error).toMatchObject({ kind: 'rejected', code: 'isv.TEMPLATE_ILLEGAL', message: 'template missing' });
    expect(error.details).toMatchObject({ httpStatus: 200, requestId: 'req-1', action: 'SingleCallByTts' });
  });
});

describe.each(['v1', 'v3'] as const)('retries (%s)', (signatureVersion) => {
  it('retries transient errors up to maxAttempts with a new nonce each time, then throws transient', async () => {
    server.script(
      { kind: 'json', status: 500, code: 'InternalError' },
      { kind: 'json', status: 500, code: 'isp.SYSTEM_ERROR' },
      { kind: 'json', status: 503, code: 'ServiceUnavailable', message: 'try later' },
    );
    const { attempts, onAttempt } = recorder();
    const error = await failure(client({ signatureVersion }).call('QueryCallDetailByCallId', { CallId: 'a' }, { onAttempt }));

    expect(error).toMatchObject({ kind: 'transient', code: 'ServiceUnavailable', message: 'try later' });
    expect(error.details).toMatchObject({ httpStatus: 503, requestId: 'req-3' });
    expect(server.requests).toHaveLength(3);
    expect(server.requests.every((seen) => seen.verified)).toBe(true);
    expect(new Set(server.requests.map((seen) => seen.nonce)).size).toBe(3);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.code, a.requestId])).toEqual([
      [1, 'transient', 'InternalError', 'req-1'],
      [2, 'transient', 'isp.SYSTEM_ERROR', 'req-2'],
      [3, 'transient', 'ServiceUnavailable', 'req-3'],
    ]);
  });

  it('succeeds when a retry succeeds', async () => {
    server.script({ kind: 'json', status: 500, code: 'InternalError' });
    const { attempts, onAttempt } = recorder();
    const result = await client({ signatureVersion }).call('QueryCallDetailByCallId', { CallId: 'a' }, { onAttempt });

    expect(result.requestId).toBe('req-2');
    expect(attempts.map((a) => a.outcome)).toEqual(['transient', 'ok']);
  });
});

describe('no retry for rejected, account and throttled answers', () => {
  it.each([
    [{ kind: 'json', status: 400, code: 'isv.MOBILE_NUMBER_ILLEGAL' }, 'rejected', undefined],
    [{ kind: 'json', status: 400, code: 'MissingCalledNumber' }, 'rejected', undefined],
    [{ kind: 'json', status: 403, code: 'Forbidden.RAM' }, 'account', undefined],
    [{ kind: 'json', status: 400, code: 'isv.ACCOUNT_ABNORMAL' }, 'account', undefined],
    [{ kind: 'json', status: 400, code: 'InvalidTimeStamp.Expired' }, 'account', undefined],
    [{ kind: 'json', status: 400, code: 'isv.BUSINESS_LIMIT_CONTROL' }, 'throttled', 60],
    [{ kind: 'json', status: 400, code: 'Throttling.User' }, 'throttled', 1],
    [{ kind: 'json', status: 429, code: 'SomethingNew', headers: { 'retry-after': '9' } }, 'throttled', 9],
  ] satisfies [Step, string, number | undefined][])('%o -> %s, exactly one request', async (step, kind, retryAfterSeconds) => {
    server.script(step);
    const { attempts, onAttempt } = recorder();
    const error = await failure(client({ maxAttempts: 5 }).call('QueryCallDetailByCallId', { CallId: 'a' }, { onAttempt }));

    expect(error.kind).toBe(kind);
    expect(error.code).toBe(step.kind === 'json' ? step.code : undefined);
    expect(error.details.retryAfterSeconds).toBe(retryAfterSeconds);
    expect(error.details.requestId).toBe('req-1');
    expect(server.requests).toHaveLength(1);
    expect(attempts).toHaveLength(1);
  });
});

describe('Alibaba\'s message echoing the string it signed (docs/security.md#logs-and-errors)', () => {
  it('keeps SignatureDoesNotMatch\'s message but not the parameters it quotes: no number, no template value', async () => {
    // What Alibaba answers a wrong signature: the whole string to sign, every parameter percent-encoded in it.
    const echoed = 'POST&%2F&AccessKeyId%3DLTAItestKeyId%26CalledNumber%3D13800138000%26TtsParam%3D%257B%2522code%2522%253A%2522QZ8K4X%2522%257D';
    server.script({ kind: 'json', status: 400, code: 'SignatureDoesNotMatch', message: `Specified signature is not matched with our calculation. server string to sign is:${echoed}` });

    const error = await failure(client().call('SingleCallByTts', { CalledNumber: '13800138000', TtsParam: '{"code":"QZ8K4X"}' }));

    expect(error).toMatchObject({ kind: 'account', code: 'SignatureDoesNotMatch' });
    expect(error.message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign /);
    expect(error.message).not.toContain('13800138000');
    expect(error.message).not.toContain('QZ8K4X');
    expect(error.message).not.toContain('AccessKeyId');
  });
});

describe('answers without a JSON envelope', () => {
  it('retries a non-JSON 502 for a non-placing action and reports HTTP_502', async () => {
    server.script(
      { kind: 'raw', status: 502, text: '<html>Bad Gateway</html>' },
      { kind: 'raw', status: 502, text: '<html>Bad Gateway</html>' },
      { kind: 'raw', status: 502, text: '<html>Bad Gateway</html>' },
    );
    const error = await failure(client().call('QueryCallDetailByCallId', { CallId: 'a' }));

    expect(error).toMatchObject({ kind: 'transient', code: 'HTTP_502' });
    expect(error.details.httpStatus).toBe(502);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a non-JSON 404 (a proxy or wrong endpoint: account, not the caller\'s content)', async () => {
    server.script({ kind: 'raw', status: 404, text: 'not found', contentType: 'text/plain' });
    const error = await failure(client().call('QueryCallDetailByCallId', { CallId: 'a' }));

    expect(error).toMatchObject({ kind: 'account', code: 'HTTP_404' });
    expect(server.requests).toHaveLength(1);
  });

  it('treats a non-JSON 502 to a call-placing request as ambiguous and does not re-send it', async () => {
    server.script({ kind: 'raw', status: 502, text: '<html>Bad Gateway</html>' });
    const error = await failure(client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true }));

    expect(error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
    expect(error.details.httpStatus).toBe(502);
    expect(server.requests).toHaveLength(1);
  });

  it('re-sends a placesCall after a bare 408: the server gave up reading it and did not act on it', async () => {
    server.script({ kind: 'raw', status: 408, text: 'Request Timeout', contentType: 'text/plain' });
    const result = await client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true });

    expect(result.requestId).toBe('req-2');
    expect(server.requests).toHaveLength(2);
  });

  it('treats an unreadable 2xx to a call-placing request as ambiguous (the call may be placed)', async () => {
    server.script({ kind: 'raw', status: 200, text: '<SingleCallByTtsResponse/>', contentType: 'text/xml' });
    const error = await failure(client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true }));

    expect(error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('call-placing requests are never re-sent once Alibaba may have seen them', () => {
  it('a timed-out placesCall is not re-sent and throws ambiguous with timedOut', async () => {
    server.script({ kind: 'delay', ms: 5_000 });
    const { attempts, onAttempt } = recorder();
    const started = Date.now();
    const error = await failure(
      client({ attemptTimeoutMs: 200 }).call('SingleCallByTts', TTS_PARAMS, { placesCall: true, onAttempt }),
    );

    // Cut off by the 200 ms attempt timeout, far before the server's 5 s answer (slack for a loaded CI machine).
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
    expect(error.details.timedOut).toBe(true);
    await sleep(300); // a late re-send would arrive in this window
    expect(server.requests).toHaveLength(1);
    expect(attempts.map((a) => a.outcome)).toEqual(['ambiguous']);
  });

  it('a timed-out CancelCall (changesCallState) is not re-sent either: a second one would answer false', async () => {
    server.script({ kind: 'delay', ms: 1_000 });
    const error = await failure(
      client({ attemptTimeoutMs: 200 }).call('CancelCall', { CallId: '116012354148^102813781234' }, { changesCallState: true }),
    );

    expect(error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
    await sleep(300); // a late re-send would arrive in this window
    expect(server.requests).toHaveLength(1);
  });

  it('a placesCall whose connection is dropped after sending is not re-sent (ambiguous, not a timeout)', async () => {
    server.script({ kind: 'destroy' });
    const error = await failure(client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true }));

    expect(error).toMatchObject({ kind: 'ambiguous', code: 'RequestOutcomeUnknown' });
    expect(error.details.timedOut).toBeFalsy();
    expect(error.details.cause).toBeInstanceOf(Error);
    await sleep(100);
    expect(server.requests).toHaveLength(1);
  });

  it('an InternalError answer to a placesCall is thrown as transient without re-sending', async () => {
    server.script({ kind: 'json', status: 500, code: 'InternalError' });
    const error = await failure(client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true }));

    expect(error).toMatchObject({ kind: 'transient', code: 'InternalError' });
    expect(server.requests).toHaveLength(1);
  });

  it('SignatureNonceUsed proves the action never ran: the placesCall is re-sent with a new nonce', async () => {
    server.script({ kind: 'json', status: 400, code: 'SignatureNonceUsed' });
    const result = await client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true });

    expect(result.requestId).toBe('req-2');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.nonce).not.toBe(server.requests[1]?.nonce);
  });
});

describe('transport failures of non-placing actions are retried', () => {
  it('a timed-out query is retried and can then succeed', async () => {
    server.script({ kind: 'delay', ms: 1_000 });
    const { attempts, onAttempt } = recorder();
    const result = await client({ attemptTimeoutMs: 200 }).call('QueryCallDetailByCallId', { CallId: 'a' }, { onAttempt });

    expect(result.requestId).toBe('req-2');
    expect(attempts.map((a) => [a.outcome, a.code])).toEqual([
      ['transient', 'RequestTimeout'],
      ['ok', undefined],
    ]);
    expect(new Set(server.requests.map((seen) => seen.nonce)).size).toBe(2);
  });

  it('a query timing out on every attempt throws transient with timedOut', async () => {
    server.script({ kind: 'delay', ms: 1_000 }, { kind: 'delay', ms: 1_000 }, { kind: 'delay', ms: 1_000 });
    const error = await failure(client({ attemptTimeoutMs: 150 }).call('QueryCallDetailByCallId', { CallId: 'a' }));

    expect(error).toMatchObject({ kind: 'transient', code: 'RequestTimeout' });
    expect(error.details.timedOut).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('a dropped connection on a query is retried', async () => {
    server.script({ kind: 'destroy' });
    const result = await client().call('CancelCall', { CallId: 'a' });

    expect(result.requestId).toBe('req-2');
    expect(server.requests).toHaveLength(2);
  });
});

describe('requests that certainly were not sent are retried, even for placesCall', () => {
  it('connection refused on every attempt: retried up to maxAttempts, then transient', async () => {
    await server.stop();
    const { attempts, onAttempt } = recorder();
    const error = await failure(client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true, onAttempt }));

    expect(error).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
    expect(attempts.map((a) => [a.outcome, a.code])).toEqual([
      ['transient', 'ECONNREFUSED'],
      ['transient', 'ECONNREFUSED'],
      ['transient', 'ECONNREFUSED'],
    ]);
  });

  it('connection refused, then the server is back: the placesCall goes through once', async () => {
    await server.stop();
    const { attempts, onAttempt } = recorder();
    const result = await client().call('SingleCallByTts', TTS_PARAMS, {
      placesCall: true,
      onAttempt: (info) => {
        onAttempt(info);
        if (info.attempt === 1) server.relisten();
      },
    });

    expect(result.requestId).toBe('req-1');
    expect(attempts.map((a) => a.outcome)).toEqual(['transient', 'ok']);
    expect(server.requests).toHaveLength(1);
  });

  describe('a TLS handshake that never completes', () => {
    let silent: TcpServer;
    const sockets = new Set<Socket>();
    let connections = 0;
    let bytes = 0;

    beforeEach(async () => {
      silent = createTcpServer((socket) => {
        connections++;
        sockets.add(socket);
        socket.on('data', (chunk) => (bytes += chunk.length)); // only a ClientHello ever arrives
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });

    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('times out before anything was sent, so even a placesCall is retried (transient)', async () => {
      const port = (silent.address() as AddressInfo).port;
      const { attempts, onAttempt } = recorder();
      const error = await failure(
        client({ endpoint: `https://127.0.0.1:${port}`, attemptTimeoutMs: 150 }).call('SingleCallByTts', TTS_PARAMS, {
          placesCall: true,
          onAttempt,
        }),
      );

      expect(error).toMatchObject({ kind: 'transient', code: 'RequestTimeout' });
      expect(error.details.timedOut).toBe(true);
      expect(attempts.map((a) => a.outcome)).toEqual(['transient', 'transient', 'transient']);
      expect(connections).toBeGreaterThanOrEqual(1);
      expect(bytes).toBeGreaterThan(0);
    });
  });
});

describe('the deadline', () => {
  it('bounds a slow attempt: the attempt timeout shrinks to the time left', async () => {
    server.script({ kind: 'delay', ms: 3_000 });
    const started = Date.now();
    const error = await failure(
      client({ attemptTimeoutMs: 5_000 }).call('QueryCallDetailByCallId', { CallId: 'a' }, { deadline: started + 400 }),
    );
    const elapsed = Date.now() - started;

    // The 400 ms deadline, not the 5 s attempt timeout nor the 3 s server delay, ended it.
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: 'transient' });
    expect(error.details.timedOut).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('bounds retries: stops before the deadline even with attempts left, transient with timedOut', async () => {
    server.script(...Array.from({ length: 100 }, (): Step => ({ kind: 'json', status: 500, code: 'InternalError' })));
    const started = Date.now();
    const error = await failure(
      client({ maxAttempts: 100, backoffBaseMs: 50, backoffCapMs: 100 }).call(
        'QueryCallDetailByCallId',
        { CallId: 'a' },
        { deadline: started + 400 },
      ),
    );

    // 100 attempts with backoff would take seconds; the 400 ms deadline stops them.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: 'transient', code: 'InternalError' });
    expect(error.details.timedOut).toBe(true);
    expect(error.details.cause).toBeInstanceOf(AlibabaError);
    expect(server.requests.length).toBeGreaterThan(1);
    expect(server.requests.length).toBeLessThan(100);
  });

  it('never sleeps a backoff past the deadline', async () => {
    server.script({ kind: 'json', status: 500, code: 'InternalError' }, { kind: 'json', status: 500, code: 'InternalError' });
    const started = Date.now();
    const error = await failure(
      // Full jitter draws the sleep from 0-20 s: an implementation that slept past the deadline would
      // overrun the 2 s bound below about 90% of the time.
      client({ maxAttempts: 2, backoffBaseMs: 20_000, backoffCapMs: 20_000 }).call(
        'QueryCallDetailByCallId',
        { CallId: 'a' },
        { deadline: started + 300 },
      ),
    );

    // A backoff that would overrun the 300 ms deadline is never slept.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: 'transient', code: 'InternalError' });
  });

  it('sends nothing when less than the minimum attempt time is left', async () => {
    const error = await failure(client().call('SingleCallByTts', TTS_PARAMS, { placesCall: true, deadline: Date.now() + 50 }));

    expect(error).toMatchObject({ kind: 'transient', code: 'DeadlineExceeded' });
    expect(error.details.timedOut).toBe(true);
    expect(server.requests).toHaveLength(0);
  });
});

describe('the connection pool', () => {
  it('is one Pool per origin, shared by clients, and keeps the connection alive between calls', async () => {
    const first = client();
    const second = client();
    await first.call('QueryCallDetailByCallId', { CallId: 'a' });
    const pool = poolFor(first.origin);
    // Like the next Lambda invocation: undici frees the socket a moment after the response ends.
    await sleep(20);
    await second.call('QueryCallDetailByCallId', { CallId: 'b' });

    expect(poolFor(second.origin)).toBe(pool);
    expect(poolFor(`http://localhost:${server.port}`)).not.toBe(pool);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.remotePort).toBe(server.requests[0]?.remotePort);
  });

  it('is replaced after it was destroyed', async () => {
    const pool = poolFor(server.endpoint);
    await destroyPools();

    const fresh = poolFor(server.endpoint);
    expect(fresh).not.toBe(pool);
    await client().call('QueryCallDetailByCallId', { CallId: 'a' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('construction', () => {
  it.each(['ftp://example.com', 'https://dyvmsapi.aliyuncs.com/path', 'https://dyvmsapi.aliyuncs.com/?a=1'])(
    'refuses the endpoint %s',
    (endpoint) => {
      expect(() => client({ endpoint })).toThrow(TypeError);
    },
  );

  it('ignores an observer that throws', async () => {
    const result = await client().call('CancelCall', { CallId: 'a' }, {
      onAttempt: () => {
        throw new Error('observer bug');
      },
    });
    expect(result.requestId).toBe('req-1');
  });
});

/**
 * The secret cache (shared/secrets/cache.ts createSecretProvider): lifetime, stale-on-error with its bound,
 * the request deadline, and what is logged. Reads are faked; the wire is in test/unit/secrets.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlibabaRpcClient } from '#shared/alibaba/rpcClient';
import type { RemoteSecretSource as SecretSource } from '#shared/config';
import { createCredentialsProvider } from '#shared/secrets/alibabaCredentials';
import { AlibabaError, SecretReadError, TRANSPORT_CODES } from '#shared/errors';
import { createLogger } from '#shared/logger';
import { createSecretProvider, SECRET_CACHE_MS, SECRET_RETRY_AFTER_FAILURE_MS, SECRET_STALE_MS } from '#shared/secrets/cache';

const SOURCE: SecretSource = { kind: 'ssm', name: '/aliyun-voice/dev/push-token' };
const FIRST = 'first-token-value-never-logged';
const ROTATED = 'rotated-token-value';

/** A scripted remote store: each read takes the next answer; unscripted reads fail. */
function fakeReads() {
  const answers: (() => Promise<string>)[] = [];
  let count = 0;
  return {
    get count() {
      return count;
    },
    next(...more: (() => Promise<string>)[]) {
      answers.push(...more);
    },
    read: (_source: SecretSource) => {
      count++;
      const answer = answers.shift();
      return answer ? answer() : Promise.reject(new SecretReadError('SSM parameter /x', 'Unscripted', 'unexpected read'));
    },
  };
}

/** A read answering `value` after `ms` of (fake) time. */
const after = (ms: number, value: string) => () => new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));
const failing = (code: string) => () => Promise.reject(new SecretReadError('SSM parameter /aliyun-voice/dev/push-token', code, `${code} (HTTP 400)`));

function capturedLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({}, { level: 'debug', write: (line) => lines.push(line) }) };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2024-01-15T08:30:00.000Z'));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createSecretProvider: stale-on-error', () => {
  it('serves the previous value when reading again fails, with one warning naming the source and never the value', async () => {
    // arrange
    const reads = fakeReads();
    const { lines, logger } = capturedLogger();
    reads.next(async () => FIRST, failing('ThrottlingException'));
    const provider = createSecretProvider(SOURCE, reads.read, { logger });
    await provider();
    vi.advanceTimersByTime(SECRET_CACHE_MS);
    // act
    const value = await provider();
    // assert
    expect(value).toBe(FIRST);
    expect(reads.count).toBe(2);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(String(entry.level).toLowerCase()).toBe('warn');
    expect(entry).toMatchObject({ source: 'SSM parameter /aliyun-voice/dev/push-token', ageMs: SECRET_CACHE_MS });
    expect(entry.servedUntil).toBe(new Date(Date.now() + SECRET_STALE_MS).toISOString());
    expect(JSON.stringify(entry.error)).toContain('ThrottlingException');
    expect(lines[0]).not.toContain(FIRST);
  });

  it('does not read again for a while after a failure: the previous value answers at once', async () => {
    const reads = fakeReads();
    reads.next(async () => FIRST, failing('InternalServerError'), async () => ROTATED);
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    await provider();
    vi.advanceTimersByTime(SECRET_CACHE_MS);
    await provider();

    vi.advanceTimersByTime(SECRET_RETRY_AFTER_FAILURE_MS - 1);
    await expect(provider()).resolves.toBe(FIRST);
    expect(reads.count).toBe(2);

    vi.advanceTimersByTime(1);
    await expect(provider()).resolves.toBe(ROTATED);
    expect(reads.count).toBe(3);
    // The new value starts a new lifetime.
    vi.advanceTimersByTime(SECRET_CACHE_MS - 1);
    await expect(provider()).resolves.toBe(ROTATED);
    expect(reads.count).toBe(3);
  });

  it(`serves the previous value at most ${SECRET_STALE_MS / 60_000} minutes past its lifetime, then fails with the read's error`, async () => {
    // arrange
    const reads = fakeReads();
    reads.next(async () => FIRST, failing('InternalServerError'), failing('AccessDeniedException'));
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    await provider();
    // act: the last instant the value may stand in, then the first it may not.
    vi.advanceTimersByTime(SECRET_CACHE_MS + SECRET_STALE_MS - 1);
    const lastStale = await provider();
    vi.advanceTimersByTime(SECRET_RETRY_AFTER_FAILURE_MS);
    const expired = await provider().catch((error: unknown) => error);
    // assert
    expect(lastStale).toBe(FIRST);
    expect(expired).toBeInstanceOf(SecretReadError);
    expect((expired as SecretReadError).code).toBe('AccessDeniedException');
    expect((expired as Error).message).not.toContain(FIRST);
  });

  it('fails a read with no previous value: the error, not a guess', async () => {
    const reads = fakeReads();
    reads.next(failing('ParameterNotFound'));
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    await expect(provider()).rejects.toMatchObject({ code: 'ParameterNotFound' });
  });

  it('remembers a failed read with no previous value for a while: 100 requests meanwhile cost one read (docs/security.md#credentials-and-secrets)', async () => {
    // A stage that stores no push token: every anonymous push used to cost one GetParameter.
    const reads = fakeReads();
    reads.next(failing('ParameterNotFound'), async () => FIRST);
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });

    const errors = [];
    for (let request = 0; request < 100; request += 1) errors.push(await provider().catch((error: unknown) => error));

    expect(reads.count).toBe(1);
    for (const error of errors) expect(error).toMatchObject({ name: 'SecretReadError', code: 'ParameterNotFound' });
    vi.advanceTimersByTime(SECRET_RETRY_AFTER_FAILURE_MS - 1);
    await expect(provider()).rejects.toMatchObject({ code: 'ParameterNotFound' });
    expect(reads.count).toBe(1);
    vi.advanceTimersByTime(1);
    await expect(provider()).resolves.toBe(FIRST);
    expect(reads.count).toBe(2);
  });

  it('remembers a failed read once the previous value is too old to stand in, too', async () => {
    const reads = fakeReads();
    reads.next(async () => FIRST, failing('ThrottlingException'));
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    await provider();
    vi.advanceTimersByTime(SECRET_CACHE_MS + SECRET_STALE_MS);

    await expect(provider()).rejects.toMatchObject({ code: 'ThrottlingException' });
    await expect(provider()).rejects.toMatchObject({ code: 'ThrottlingException' });

    expect(reads.count).toBe(2);
  });
});

describe('createSecretProvider: the request deadline', () => {
  it('gives up waiting at the deadline when there is no previous value (DeadlineExceeded, naming the source)', async () => {
    // arrange
    const reads = fakeReads();
    reads.next(after(5_000, FIRST));
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    // act
    const outcome = provider({ deadline: Date.now() + 300 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(300);
    const error = await outcome;
    // assert
    expect(error).toBeInstanceOf(SecretReadError);
    expect((error as SecretReadError).code).toBe('DeadlineExceeded');
    expect((error as Error).message).toBe('SSM parameter /aliyun-voice/dev/push-token: no value read before the request deadline');
  });

  it('does not give up before the deadline: a read finishing in time answers', async () => {
    const reads = fakeReads();
    reads.next(after(299, FIRST));
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    const outcome = provider({ deadline: Date.now() + 300 });
    await vi.advanceTimersByTimeAsync(299);
    await expect(outcome).resolves.toBe(FIRST);
  });

  it('serves the previous value at the deadline when a refresh is slow, and keeps the refresh for later callers', async () => {
    // arrange
    const reads = fakeReads();
    const { lines, logger } = capturedLogger();
    reads.next(async () => FIRST, after(1_000, ROTATED));
    const provider = createSecretProvider(SOURCE, reads.read, { logger });
    await provider();
    vi.advanceTimersByTime(SECRET_CACHE_MS);
    // act
    const hurried = provider({ deadline: Date.now() + 100 });
    const patient = provider();
    await vi.advanceTimersByTimeAsync(100);
    const hurriedValue = await hurried;
    await vi.advanceTimersByTimeAsync(900);
    // assert
    expect(hurriedValue).toBe(FIRST);
    await expect(patient).resolves.toBe(ROTATED);
    await expect(provider()).resolves.toBe(ROTATED);
    expect(reads.count).toBe(2);
    expect(lines.map((line) => JSON.parse(line).message)).toEqual([
      'reading a secret did not finish before the request deadline; serving the previous value',
    ]);
    expect(lines.join('')).not.toContain(FIRST);
  });

  it('treats a deadline beyond what a timer can hold (Infinity) as none', async () => {
    const reads = fakeReads();
    reads.next(after(5_000, FIRST));
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    let settled = false;
    const outcome = provider({ deadline: Number.POSITIVE_INFINITY }).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toBe(FIRST);
  });

  it('answers a fresh value even when the deadline has passed (no I/O needed)', async () => {
    const reads = fakeReads();
    reads.next(async () => FIRST);
    const provider = createSecretProvider(SOURCE, reads.read, { logger: capturedLogger().logger });
    await provider();
    await expect(provider({ deadline: Date.now() - 1 })).resolves.toBe(FIRST);
    expect(reads.count).toBe(1);
  });

  it('is passed through by the Alibaba credentials provider', async () => {
    const reads = fakeReads();
    reads.next(after(5_000, '{"accessKeyId":"LTAI5tExampleId","accessKeySecret":"example-secret"}'));
    const provider = createCredentialsProvider(SOURCE, {}, Date.now, reads.read);
    const outcome = provider({ deadline: Date.now() + 200 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(200);
    expect(await outcome).toMatchObject({ name: 'SecretReadError', code: 'DeadlineExceeded' });
  });
});

describe('AlibabaRpcClient and the credentials provider', () => {
  it('hands the call deadline to the credentials provider, so a slow secret read cannot outlive the request', async () => {
    // arrange
    const seen: unknown[] = [];
    const client = new AlibabaRpcClient({
      endpoint: 'http://127.0.0.1:9',
      version: '2017-05-25',
      signatureVersion: 'v1',
      credentials: async (options) => {
        seen.push(options);
        return { accessKeyId: 'LTAI5tExampleId', accessKeySecret: 'example-secret' };
      },
    });
    const deadline = Date.now() - 1;
    // act: a deadline already passed: nothing is sent after the credentials.
    const error = await client.call('QueryCallDetailByCallId', { CallId: '1' }, { deadline }).catch((caught: unknown) => caught);
    // assert
    expect(seen).toEqual([{ deadline }]);
    expect(error).toBeInstanceOf(AlibabaError);
    expect((error as AlibabaError).code).toBe(TRANSPORT_CODES.deadlineExceeded);
  });
});

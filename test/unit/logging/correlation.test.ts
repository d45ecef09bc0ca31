/**
 * What shared/logger.ts adds on top of Powertools Logger: the invocation's correlation ids on every
 * entry (withLogContext), the privacy rules on paths Powertools itself serialises (error causes),
 * and the Powertools settings that must not change the output (POWERTOOLS_DEV, sampling).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlibabaError, MnsError, ValidationError } from '#shared/errors';
import { createLogger, withLogContext, type LogLevel } from '#shared/logger';

const PHONE = '13800138000';
const MASKED = '*******8000';

function capture(base: Record<string, unknown> = {}, level: LogLevel = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(base, { level, write: (line) => lines.push(line) });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('withLogContext: correlation ids of the invocation', () => {
  it('adds its fields to entries of a logger created before the invocation (a client built at cold start)', async () => {
    // arrange
    const { logger, entries } = capture();
    // act
    await withLogContext({ requestId: 'api-1', awsRequestId: 'lambda-1' }, async () => {
      await Promise.resolve();
      logger.warn('Alibaba request failed', { alibabaRequestId: 'A-1' });
    });
    logger.info('after the invocation');
    // assert
    expect(entries()[0]).toMatchObject({ requestId: 'api-1', awsRequestId: 'lambda-1', alibabaRequestId: 'A-1' });
    expect(entries()[1]).not.toHaveProperty('requestId');
  });

  it('keeps the ids of overlapping invocations apart', async () => {
    const { logger, entries } = capture();
    const run = (id: string, delayMs: number) =>
      withLogContext({ invocationId: id }, async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        logger.info(`done ${id}`);
      });

    await Promise.all([run('first', 20), run('second', 1)]);

    expect(entries().map((entry) => [entry.message, entry.invocationId])).toEqual([
      ['done second', 'second'],
      ['done first', 'first'],
    ]);
  });

  it('accumulates nested contexts; the logger\'s own and the entry\'s fields win over them', () => {
    const { logger, entries } = capture();
    withLogContext({ function: 'placeCallsFromQueue', invocationId: 'i-1', callId: 'from-context' }, () =>
      withLogContext({ messageId: 'm-1' }, () => logger.child({ callId: 'from-child' }).info('x', { messageId: 'from-entry' })),
    );
    expect(entries()[0]).toMatchObject({ function: 'placeCallsFromQueue', invocationId: 'i-1', callId: 'from-child', messageId: 'from-entry' });
  });

  it('masks and redacts context fields like any others', () => {
    const { logger, lines } = capture();
    withLogContext({ calledNumber: PHONE, authorization: 'acs key:VERY-SECRET' }, () => logger.info('x'));
    expect(lines[0]).toContain(MASKED);
    expect(lines[0]).not.toContain(PHONE);
    expect(lines[0]).not.toContain('VERY-SECRET');
  });
});

describe('errors are scrubbed wherever the number sits', () => {
  it('in the message and stack of a cause chain', () => {
    const { logger, lines, entries } = capture();
    const error = new Error('placing failed', { cause: new Error(`Alibaba said: ${PHONE} is not allowed`) });
    logger.error('failed', { error });
    expect(lines[0]).not.toContain(PHONE);
    expect(entries()[0]!.error.cause).toMatchObject({ name: 'Error', message: `Alibaba said: ${MASKED} is not allowed` });
  });

  it('writes an AlibabaError\'s cause once (it is also in details), with its code, kind and request id', () => {
    const { logger, entries } = capture();
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    logger.error('failed', { error: new AlibabaError('transient', 'ECONNRESET', 'no answer', { action: 'SingleCallByTts', requestId: 'R-9', cause }) });
    const error = entries()[0]!.error;
    expect(error).toMatchObject({ kind: 'transient', code: 'ECONNRESET', details: { action: 'SingleCallByTts', requestId: 'R-9' }, cause: { code: 'ECONNRESET' } });
    expect(error.details).not.toHaveProperty('cause');
  });

  it('stays finite for an error that is its own cause', () => {
    const { logger, entries } = capture();
    const error = new MnsError('transient', 'X', 'loop');
    Object.defineProperty(error, 'cause', { value: error });
    logger.error('failed', { error });
    expect(entries()[0]!.error.cause).toBe('[circular]');
  });

  it('masks numbers in a ValidationError\'s field issues', () => {
    const { logger, lines } = capture();
    logger.info('refused', { error: new ValidationError([{ path: 'calledNumber', message: `${PHONE} is not a mainland number` }]) });
    expect(lines[0]).not.toContain(PHONE);
    expect(lines[0]).toContain(MASKED);
  });
});

describe('Powertools settings do not change the output', () => {
  it('stays one compact line per entry under POWERTOOLS_DEV (which would pretty-print)', () => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const { logger, lines } = capture();
    logger.info('x', { nested: { a: 1 } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ nested: { a: 1 } });
  });

  it('never samples debug entries in, whatever POWERTOOLS_LOGGER_SAMPLE_RATE says', () => {
    vi.stubEnv('POWERTOOLS_LOGGER_SAMPLE_RATE', '1');
    const { logger, entries } = capture({}, 'info');
    logger.debug('dropped');
    logger.info('kept');
    expect(entries().map((entry) => entry.message)).toEqual(['kept']);
    expect(entries()[0]).not.toHaveProperty('sampling_rate');
  });

  it('adds the X-Ray trace id when Lambda traces the invocation', () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    const { logger, entries } = capture();
    logger.info('x');
    expect(entries()[0]).toMatchObject({ xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793' });
  });

  it('takes the service name from the base fields (default aliyun-voice), not as a field', () => {
    const named = capture({ service: 'other-service' });
    named.logger.child({ service: 'ignored' }).info('x');
    expect(named.entries()[0]).toMatchObject({ service: 'other-service' });
    const unnamed = capture();
    unnamed.logger.info('x');
    expect(unnamed.entries()[0]).toMatchObject({ service: 'aliyun-voice' });
  });

  it('writes no warning entry for fields named like Powertools\' own keys', () => {
    const { logger, entries } = capture();
    logger.info('x', { timestamp: 'mine', sampling_rate: 1, service: 'mine' });
    expect(entries()).toHaveLength(1);
    expect(entries()[0]!.service).toBe('aliyun-voice');
    expect(entries()[0]!.timestamp).not.toBe('mine');
  });
});

describe('a field that cannot be read', () => {
  it('drops the entry with an error line instead of throwing into the caller', () => {
    const { logger, entries } = capture();
    const hostile = {
      get boom(): string {
        throw new Error('getter exploded');
      },
    };
    expect(() => logger.info('x', { hostile })).not.toThrow();
    expect(entries()).toEqual([expect.objectContaining({ level: 'ERROR', droppedLevel: 'info' })]);
  });
});

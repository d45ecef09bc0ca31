/**
 * What the Alibaba RPC client reports of each attempt (shared/alibaba/rpcClient.ts) against the
 * signature-checking fake dyvmsapi: `AlibabaErrors` per failed attempt by Action and Code, entries
 * carrying the action and Alibaba's RequestId, and never a parameter, key or signature.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlibabaRpcClient } from '#shared/alibaba/rpcClient';
import { destroyPools } from '#shared/alibaba/pool';
import { createLogger } from '#shared/logger';
import type { MetricDimensions, MetricName, MetricsRecorder } from '#shared/metrics';
import { FakeAlibaba, TEST_KEY_ID, TEST_SECRET } from './fakeAlibaba.ts';

const PARAMS = { CalledNumber: '13800138000', CalledShowNumber: '057100000000', TtsCode: 'TTS_123456789', TtsParam: '{"code":"1234"}' };

class RecordingMetrics implements MetricsRecorder {
  readonly points: { name: MetricName; value: number; dimensions?: MetricDimensions }[] = [];
  record(name: MetricName, value: number, dimensions?: MetricDimensions): void {
    this.points.push({ name, value, ...(dimensions ? { dimensions } : {}) });
  }
}

let server: FakeAlibaba;
let lines: string[];
let metrics: RecordingMetrics;

beforeEach(async () => {
  server = await new FakeAlibaba().start();
  lines = [];
  metrics = new RecordingMetrics();
});
afterEach(async () => {
  await server.stop();
  await destroyPools();
});

function client(): AlibabaRpcClient {
  return new AlibabaRpcClient({
    endpoint: server.endpoint,
    version: '2017-05-25',
    signatureVersion: 'v1',
    credentials: () => Promise.resolve({ accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_SECRET }),
    backoffBaseMs: 5,
    logger: createLogger({}, { level: 'debug', write: (line) => lines.push(line) }),
    metrics,
  });
}

const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('a retried failure, then success', () => {
  it('counts the failed attempt, warns with its RequestId, and logs the success at debug', async () => {
    // arrange
    server.script({ kind: 'json', status: 503, code: 'ServiceUnavailable' }, { kind: 'ok' });
    // act
    const { requestId } = await client().call('QueryCallDetailByCallId', { CallId: '1^2', ProdId: '11010000138001', QueryDate: '1705248000000' });
    // assert
    expect(metrics.points).toEqual([{ name: 'AlibabaErrors', value: 1, dimensions: { Action: 'QueryCallDetailByCallId', Code: 'ServiceUnavailable' } }]);
    const [failed, succeeded] = entries();
    expect(failed).toMatchObject({ level: 'WARN', message: 'Alibaba request failed', action: 'QueryCallDetailByCallId', attempt: 1, retrying: true, code: 'ServiceUnavailable', kind: 'transient', httpStatus: 503, alibabaRequestId: expect.any(String) });
    expect(succeeded).toMatchObject({ level: 'DEBUG', message: 'Alibaba request succeeded', action: 'QueryCallDetailByCallId', attempt: 2, alibabaRequestId: requestId });
    expect(entries()).toHaveLength(2);
  });
});

describe('a refused call', () => {
  it('counts it once by Action and Code and logs it at info (the caller logs the error it gets)', async () => {
    server.script({ kind: 'json', status: 400, code: 'isv.MOBILE_NUMBER_ILLEGAL', message: `number ${PARAMS.CalledNumber} is illegal` });

    await expect(client().call('SingleCallByTts', PARAMS, { placesCall: true })).rejects.toMatchObject({ code: 'isv.MOBILE_NUMBER_ILLEGAL' });

    expect(metrics.points).toEqual([{ name: 'AlibabaErrors', value: 1, dimensions: { Action: 'SingleCallByTts', Code: 'isv.MOBILE_NUMBER_ILLEGAL' } }]);
    expect(entries()).toEqual([expect.objectContaining({ level: 'INFO', retrying: false, code: 'isv.MOBILE_NUMBER_ILLEGAL', detail: 'number *******8000 is illegal' })]);
    const text = lines.join('\n');
    expect(text).not.toContain(PARAMS.CalledNumber);
    expect(text).not.toContain(TEST_SECRET);
    expect(text).not.toMatch(/Signature|TtsParam|TTS_123456789/);
  });
});

describe('no time left for a first attempt', () => {
  it('counts DeadlineExceeded once, without sending anything', async () => {
    await expect(client().call('SingleCallByTts', PARAMS, { placesCall: true, deadline: Date.now() + 10 })).rejects.toMatchObject({ code: 'DeadlineExceeded' });

    expect(server.requests).toHaveLength(0);
    expect(metrics.points).toEqual([{ name: 'AlibabaErrors', value: 1, dimensions: { Action: 'SingleCallByTts', Code: 'DeadlineExceeded' } }]);
  });
});

/**
 * Logs and metrics of a real placeCall invocation (API Gateway event → handler → local Alibaba
 * sandbox → DynamoDB Local), read from stdout exactly as Lambda would ship it to CloudWatch Logs:
 * correlation ids on the entries, no phone number in full, no secret, no signature; EMF documents
 * with the metric names, units and dimensions the README documents.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import { maskPhone } from '#shared/logger';
import { httpEvent, lambdaContext } from '../../support/apiGatewayEvents.ts';
import { freshNumber, startHandlers, type Harness } from '../handlers/harness.ts';
import { captureStdout, emfFor, valuesOf, type Captured } from './stdout.ts';

// Before any module is loaded: the process-wide logger reads LOG_LEVEL once, at its creation.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'debug';
});

/** sandbox/testNumbers.ts: SingleCallByTts to it answers isv.MOBILE_NUMBER_ILLEGAL (rejected). */
const ILLEGAL_NUMBER = '13900000001';

let harness: Harness;

beforeAll(async () => {
  harness = await startHandlers({ signatureVersion: 'v1', flowControl: false });
});
afterAll(async () => {
  await harness?.stop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  harness.sandbox.control.reset();
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});

/** POST /calls through the handler; the event and context are kept to check the ids in the logs. */
async function post(body: Record<string, unknown>) {
  const event = httpEvent({ method: 'POST', route: '/calls', body });
  const context = lambdaContext();
  const { result, output } = await captureStdout(() => harness.placeCall(event, context));
  return { event, context, response: result, output };
}

function expectNothingSecret(output: Captured, numbers: string[]): void {
  for (const number of numbers) expect(output.text).not.toContain(number);
  expect(output.text).not.toContain(SANDBOX_ACCESS_KEY_SECRET);
  expect(output.text).not.toMatch(/Signature=[^&"\s]/);
  expect(output.text).not.toMatch(/SignatureNonce|StringToSign/i);
}

describe('a placed call', () => {
  it('logs with the API Gateway, Lambda and Alibaba request ids and the CallId, masking the number', async () => {
    // arrange: the number also used as the caller's own outId, so it reaches the logs as free text
    const number = freshNumber();
    // act
    const { event, context, response, output } = await post({ type: 'tts', calledNumber: number, ttsCode: 'TTS_123456789', ttsParam: { code: '1234' }, outId: number });
    // assert
    expect(response.statusCode, response.body).toBe(202);
    const { callId, requestId: alibabaRequestId } = JSON.parse(response.body!) as { callId: string; requestId: string };
    const correlation = { requestId: event.requestContext.requestId, awsRequestId: context.awsRequestId, route: 'POST /calls' };
    for (const entry of output.logs) {
      expect(entry).toMatchObject({ level: expect.stringMatching(/^(DEBUG|INFO|WARN|ERROR)$/), message: expect.any(String), timestamp: expect.any(String), service: 'aliyun-voice', ...correlation });
    }
    // The container-wide Alibaba client, built at cold start, logs inside the invocation's context.
    expect(output.logs).toContainEqual(expect.objectContaining({ level: 'DEBUG', action: 'SingleCallByTts', alibabaRequestId, ...correlation }));
    expect(output.logs).toContainEqual(expect.objectContaining({ message: 'call placed', callId, alibabaRequestId, outId: maskPhone(number), ...correlation }));
    expectNothingSecret(output, [number]);
  });

  it('counts CallsPlaced by CallType and Outcome=placed in one EMF document', async () => {
    const { response, output } = await post({ type: 'tts', calledNumber: freshNumber(), ttsCode: 'TTS_123456789' });

    expect(response.statusCode, response.body).toBe(202);
    const [document, ...others] = emfFor(output.emf, 'CallsPlaced');
    expect(others).toEqual([]);
    expect(document!._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'AliyunVoice', Dimensions: [['CallType', 'Outcome']], Metrics: [{ Name: 'CallsPlaced', Unit: 'Count' }] },
    ]);
    expect(document).toMatchObject({ CallType: 'tts', Outcome: 'placed', CallsPlaced: 1 });
    expect(emfFor(output.emf, 'AlibabaErrors')).toEqual([]);
  });
});

describe('a call Alibaba rejects (a test number)', () => {
  it('logs Alibaba\'s code and RequestId with the request\'s ids, and never the number', async () => {
    const { event, context, response, output } = await post({ type: 'tts', calledNumber: ILLEGAL_NUMBER, ttsCode: 'TTS_123456789' });

    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    const [rejection] = harness.sandbox.control.requests();
    expect(output.logs).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'Alibaba request failed',
        retrying: false,
        action: 'SingleCallByTts',
        code: 'isv.MOBILE_NUMBER_ILLEGAL',
        kind: 'rejected',
        alibabaRequestId: rejection!.requestId,
        requestId: event.requestContext.requestId,
        awsRequestId: context.awsRequestId,
      }),
    );
    expectNothingSecret(output, [ILLEGAL_NUMBER]);
  });

  it('counts CallsPlaced with Outcome=rejected and AlibabaErrors by Action and Code', async () => {
    const { output } = await post({ type: 'tts', calledNumber: ILLEGAL_NUMBER, ttsCode: 'TTS_123456789' });

    const placed = emfFor(output.emf, 'CallsPlaced');
    expect(placed.map((document) => [document.CallType, document.Outcome, document.CallsPlaced])).toEqual([['tts', 'rejected', 1]]);
    const errors = emfFor(output.emf, 'AlibabaErrors');
    expect(errors).toHaveLength(1);
    expect(errors[0]!._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'AliyunVoice', Dimensions: [['Action', 'Code']], Metrics: [{ Name: 'AlibabaErrors', Unit: 'Count' }] },
    ]);
    expect(errors[0]).toMatchObject({ Action: 'SingleCallByTts', Code: 'isv.MOBILE_NUMBER_ILLEGAL' });
    expect(valuesOf(errors, 'AlibabaErrors')).toEqual([1]);
  });
});

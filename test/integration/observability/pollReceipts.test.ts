/**
 * Metrics and logs of real pollReceipts invocations (scheduled handler → local sandbox's dybaseapi
 * and MNS queues → DynamoDB Local), read from stdout: the undimensioned PollDuration, PollErrors and
 * ReceiptLag series the alarms use, ReceiptsStored per MessageType, and the invocation's ids on its
 * log entries.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { eventually, placeCall, startReceiptsBundle, totals, type ReceiptsBundle } from '../receipts/support.ts';
import { captureStdout, emfFor, valuesOf } from './stdout.ts';

/** sandbox/testNumbers.ts: answered; plays 3 VoiceCallReport receipts and 1 VoiceReport. */
const ANSWERED = '13900000010';

let bundle: ReceiptsBundle;

beforeAll(async () => {
  bundle = await startReceiptsBundle({ receiptDelayMs: 5 });
});
afterAll(async () => {
  await bundle?.stop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  bundle.reset();
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});

describe('a poll that stores a call\'s receipts', () => {
  it('writes PollDuration, PollErrors=0 and ReceiptLag undimensioned, and ReceiptsStored per MessageType', async () => {
    // arrange
    await placeCall(bundle, { type: 'tts', calledNumber: ANSWERED, ttsCode: 'TTS_123456789', outId: 'obs-poll' });
    await eventually(() => totals(bundle.sandbox).delayed === 0 && totals(bundle.sandbox).visible === 4, 10_000, 'the call to send its receipts');
    const context = lambdaContext(30_000);
    // act
    const { result, output } = await captureStdout(() => bundle.pollReceipts({}, context));
    // assert
    expect(result.queues.reduce((sum, queue) => sum + queue.stored, 0)).toBe(4);
    const alarmSeries = output.emf.filter((document) => document._aws.CloudWatchMetrics[0]!.Dimensions.every((set) => set.length === 0));
    expect(alarmSeries.length).toBeGreaterThan(0);
    for (const document of alarmSeries) {
      expect(document._aws.CloudWatchMetrics).toEqual([{ Namespace: 'AliyunVoice', Dimensions: [[]], Metrics: expect.any(Array) }]);
    }
    const units = Object.fromEntries(alarmSeries.flatMap((document) => document._aws.CloudWatchMetrics[0]!.Metrics.map(({ Name, Unit }) => [Name, Unit])));
    expect(units).toMatchObject({ PollDuration: 'Milliseconds', PollErrors: 'Count', ReceiptLag: 'Milliseconds' });
    expect(valuesOf(alarmSeries, 'PollErrors')).toEqual([0]);
    const [duration] = valuesOf(alarmSeries, 'PollDuration');
    expect(duration).toBeGreaterThanOrEqual(0);
    expect(duration).toBeLessThan(30_000);
    // Every receipt of an answered call carries a time; the sandbox's are China time, like Alibaba's.
    const lags = valuesOf(alarmSeries, 'ReceiptLag');
    expect(lags).toHaveLength(4);
    for (const lag of lags) {
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(10 * 60_000);
    }
    const stored = emfFor(output.emf, 'ReceiptsStored');
    expect(Object.fromEntries(stored.map((document) => [document.MessageType, valuesOf([document], 'ReceiptsStored').reduce((a, b) => a + b, 0)]))).toEqual({
      VoiceCallReport: 3,
      VoiceReport: 1,
    });
    expect(output.text).not.toContain(SANDBOX_ACCESS_KEY_SECRET);
  });

  it('counts the queues that stopped on an error in PollErrors, and fails the invocation', async () => {
    // arrange: the first receive answers QueueNotExist (a configuration error: that queue stops, the others drain)
    bundle.sandbox.control.addFault({ target: 'mns-receive', error: { code: 'QueueNotExist' }, count: 1 });
    // act
    const { result, output } = await captureStdout(() => bundle.pollReceipts({}, lambdaContext(30_000)).then(() => 'resolved', (error: Error) => error.name));
    // assert
    expect(result).toBe('ReceiptPollError');
    expect(valuesOf(emfFor(output.emf, 'PollErrors'), 'PollErrors')).toEqual([1]);
  });
});

/**
 * Where the domain records its metrics: `CallsPlaced` by CallType and Outcome from placeCall (every
 * path, HTTP, SQS and EventBridge, goes through it), and the receipt time ReceiptLag is measured from.
 */
import { describe, expect, it } from 'vitest';
import type { VoiceApi } from '#shared/alibaba/voiceApi';
import { CALL_TYPES } from '#shared/calls/schemas';
import { placeAndRecordCall, type CallsDependencies, type PlacementOutcome } from '#shared/calls/service';
import { AlibabaError, type AlibabaErrorKind } from '#shared/errors';
import type { Logger } from '#shared/logger';
import type { MetricDimensions, MetricName, MetricsRecorder } from '#shared/metrics';
import { normaliseReceipt, type NormalisedReceipt } from '#shared/receipts/normalise';
import type { CallStore } from '#shared/calls/callStore';
import { receiptEventTime } from '#shared/store/receiptItems';
import { MINIMAL } from '../calls/requests.ts';

class RecordingMetrics implements MetricsRecorder {
  readonly points: { name: MetricName; value: number; dimensions: MetricDimensions | undefined }[] = [];
  record(name: MetricName, value: number, dimensions?: MetricDimensions): void {
    this.points.push({ name, value, dimensions });
  }
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const store = { putPlacedCall: async () => undefined } as unknown as CallStore;

function depsAnswering(answer: () => Promise<{ callId: string; requestId: string }>, metrics: MetricsRecorder): CallsDependencies {
  return { voice: { initiateCall: answer } as unknown as VoiceApi, store, logger: silent, metrics };
}

describe('CallsPlaced from placeAndRecordCall', () => {
  it.each(CALL_TYPES)('counts a placed %s call under its type and Outcome=placed', async (type) => {
    // arrange
    const metrics = new RecordingMetrics();
    const deps = depsAnswering(async () => ({ callId: '1^2', requestId: 'R' }), metrics);
    // act
    await placeAndRecordCall(MINIMAL[type], deps);
    // assert
    expect(metrics.points).toEqual([{ name: 'CallsPlaced', value: 1, dimensions: { CallType: type, Outcome: 'placed' } }]);
  });

  it.each<[AlibabaErrorKind | 'not an AlibabaError', PlacementOutcome]>([
    ['rejected', 'rejected'],
    ['throttled', 'throttled'],
    ['ambiguous', 'unknown'],
    ['transient', 'failed'],
    ['account', 'failed'],
    ['not an AlibabaError', 'failed'],
  ])('counts a %s failure as Outcome=%s and passes the error on', async (kind, outcome) => {
    const metrics = new RecordingMetrics();
    const failure = kind === 'not an AlibabaError' ? new TypeError('bug') : new AlibabaError(kind, 'X', 'refused');
    const deps = depsAnswering(() => Promise.reject(failure), metrics);

    await expect(placeAndRecordCall(MINIMAL.ivr, deps)).rejects.toBe(failure);

    expect(metrics.points).toEqual([{ name: 'CallsPlaced', value: 1, dimensions: { CallType: 'ivr', Outcome: outcome } }]);
  });
});

describe('receiptEventTime: what ReceiptLag is measured from', () => {
  const normalised = (raw: Record<string, unknown>, messageType = 'VoiceReport'): NormalisedReceipt => {
    const result = normaliseReceipt(messageType, { call_id: '1^2', ...raw });
    if (!result.ok) throw new Error(result.reason);
    return result.receipt;
  };

  it('reads Alibaba\'s times as China time (UTC+8, docs/alibaba/receipts.md#body-encoding)', () => {
    expect(receiptEventTime(normalised({ status_time: '2024-01-15 16:31:12' }, 'VoiceCallReport'))).toBe(Date.parse('2024-01-15T08:31:12Z'));
  });

  it('takes the latest time the receipt reports (the receipt follows its last event)', () => {
    const receipt = normalised({ originate_time: '2024-01-15 16:30:01', start_time: '2024-01-15 16:30:09', end_time: '2024-01-15 16:30:31' });
    expect(receiptEventTime(receipt)).toBe(Date.parse('2024-01-15T08:30:31Z'));
  });

  it('falls back to the times present: a call never connected has only originate_time', () => {
    expect(receiptEventTime(normalised({ originate_time: '2024-01-15 16:30:01', end_time: '' }))).toBe(Date.parse('2024-01-15T08:30:01Z'));
  });

  it.each([
    ['no time at all', {}],
    ['a time in another shape (its zone unknown)', { end_time: '15/01/2024 16:30:31' }],
    ['a date without a time', { end_time: '2024-01-15' }],
  ])('is undefined for %s (the receipt adds no ReceiptLag value)', (_name, raw) => {
    expect(receiptEventTime(normalised(raw))).toBeUndefined();
  });
});

/**
 * Receipt metrics where receipts are stored (DynamoReceiptStore.storeBatch, used by the MNS poller
 * and the HTTP push route alike), against DynamoDB Local: ReceiptsStored and InvalidReceipts per
 * MessageType, ReceiptLag from the receipt's own China-time stamps to storage, and nothing for
 * messages that were not stored.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmfMetricsRecorder } from '#shared/metrics';
import { receiptMessageFrom, type ReceiptMessage } from '#shared/receipts/receiptMessage';
import { dynamoClient } from '#shared/store/dynamoClient';
import { DynamoReceiptStore } from '#shared/store/receiptStore';
import { emfFor, valuesOf, type EmfDocument } from './stdout.ts';

const client = dynamoClient(process.env.DYNAMODB_ENDPOINT);
/** 2024-01-15 16:30:31 China time, the end of the call in the receipts below. */
const CALL_END_MS = Date.parse('2024-01-15T08:30:31Z');
/** Stored 90 s after the call ended. */
const STORED_AT_MS = CALL_END_MS + 90_000;

function metricsCapture() {
  const lines: string[] = [];
  const recorder = new EmfMetricsRecorder({ write: (line) => lines.push(line) });
  return { recorder, documents: (): EmfDocument[] => lines.map((line) => JSON.parse(line) as EmfDocument) };
}

const newCallId = () => `${Date.now()}${Math.floor(Math.random() * 1e6)}^${Math.floor(Math.random() * 1e12)}`;

function message(messageType: string, body: unknown): ReceiptMessage {
  const text = typeof body === 'string' ? body : Buffer.from(JSON.stringify(body)).toString('base64');
  return receiptMessageFrom(messageType, { messageId: `MSG-${randomUUID()}`, enqueueTime: CALL_END_MS + 5_000, body: text });
}

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a stored batch', () => {
  it('counts receipts per MessageType, invalid bodies, and one ReceiptLag per receipt with a time', async () => {
    // arrange
    const { recorder, documents } = metricsCapture();
    const store = new DynamoReceiptStore(client, process.env.CALLS_TABLE!, 30, { now: () => STORED_AT_MS, metrics: recorder });
    const callId = newCallId();
    const batch = [
      message('VoiceReport', { call_id: callId, status_code: '200000', start_time: '2024-01-15 16:30:09', end_time: '2024-01-15 16:30:31', duration: '22' }),
      message('VoiceCallReport', [
        { call_id: callId, status_code: '200101', status_time: '2024-01-15 16:30:01' },
        { call_id: callId, status_code: '200103', status_time: '2024-01-15 16:30:09' },
        // No usable time: stored, but adds no ReceiptLag value.
        { call_id: callId, status_code: '200201' },
      ]),
      message('VoiceCallReport', 'not a receipt body'),
    ];
    // act
    const { stored } = await store.storeBatch(batch);
    recorder.publish();
    // assert
    expect(stored.size).toBe(3);
    const receiptsStored = emfFor(documents(), 'ReceiptsStored');
    expect(receiptsStored.map((document) => [document.MessageType, document.ReceiptsStored])).toEqual(
      expect.arrayContaining([
        ['VoiceReport', 1],
        ['VoiceCallReport', 3],
      ]),
    );
    expect(receiptsStored).toHaveLength(2);
    // One series per MessageType: the type's InvalidReceipts share its document.
    for (const document of receiptsStored) {
      expect(document._aws.CloudWatchMetrics).toEqual([
        { Namespace: 'AliyunVoice', Dimensions: [['MessageType']], Metrics: expect.arrayContaining([{ Name: 'ReceiptsStored', Unit: 'Count' }]) },
      ]);
    }
    const invalid = emfFor(documents(), 'InvalidReceipts');
    expect(invalid.map((document) => [document.MessageType, document.InvalidReceipts])).toEqual([['VoiceCallReport', 1]]);
    expect(invalid[0]!._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: 'InvalidReceipts', Unit: 'Count' });

    const lag = emfFor(documents(), 'ReceiptLag');
    expect(lag).toHaveLength(1);
    expect(lag[0]!._aws.CloudWatchMetrics).toEqual([{ Namespace: 'AliyunVoice', Dimensions: [[]], Metrics: [{ Name: 'ReceiptLag', Unit: 'Milliseconds' }] }]);
    expect(valuesOf(lag, 'ReceiptLag').sort((a, b) => a - b)).toEqual([90_000, STORED_AT_MS - Date.parse('2024-01-15T08:30:09Z'), STORED_AT_MS - Date.parse('2024-01-15T08:30:01Z')]);
  });

  it('counts nothing for messages that could not be stored (they stay in the queue and come back)', async () => {
    const { recorder, documents } = metricsCapture();
    const store = new DynamoReceiptStore(client, `missing-table-${randomUUID()}`, 30, { metrics: recorder, maxAttempts: 1 });

    const { stored } = await store.storeBatch([message('VoiceReport', { call_id: newCallId(), status_code: '200000', end_time: '2024-01-15 16:30:31' })]);
    recorder.publish();

    expect(stored.size).toBe(0);
    expect(documents()).toEqual([]);
  });
});

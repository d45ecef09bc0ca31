/**
 * A call's whole life through the bundle (docs/receipts.md, "HTTP API"): POST /calls places it
 * on the sandbox, the sandbox plays its receipts into the MNS queues (sandbox/README.md "Receipts:
 * each call's life", "Test numbers"), the pollReceipts handler drains them into DynamoDB, and
 * GET /calls/{callId} shows the final normalised status and every receipt, normalised beside its
 * raw body, once. Receipt items expire RECEIPT_TTL_DAYS (30) after storage, in epoch seconds.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallStatus } from '#shared/calls/status';
import { freshNumber } from '../handlers/harness.ts';
import {
  auditDeletes,
  callItemOf,
  cancelCall,
  eventually,
  expectQueuesEmpty,
  expectTtlSeconds,
  getCall,
  placeCall,
  pollUntilEmpty,
  queuesEmpty,
  receiptItemsOf,
  startReceiptsBundle,
  totals,
  type ReceiptsBundle,
} from './support.ts';

let bundle: ReceiptsBundle;

beforeAll(async () => {
  bundle = await startReceiptsBundle({ receiptDelayMs: 5 });
});
afterAll(async () => {
  await bundle?.stop();
});
beforeEach(() => {
  bundle.reset();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const ANSWERED = '13900000010';
const BUSY = '13900000011';
const NO_ANSWER = '13900000012';
const INVALID = '13900000013';
const POWERED_OFF = '13900000014';
const REJECTED = '13900000015';

const tts = (calledNumber: string, outId: string) => ({ type: 'tts', calledNumber, ttsCode: 'TTS_123456789', ttsParam: { code: '1234' }, outId });
const clickToDial = (calledNumber: string, outId: string) => ({
  type: 'clickToDial',
  callerShowNumber: '057188880003',
  callerNumber: freshNumber(),
  calledShowNumber: '057188880004',
  calledNumber,
  recordFlag: true,
  outId,
});

/** A receipt as GET /calls/{callId} must show it: type, status_code, and the key pressed if any. */
type Expected = [messageType: 'VoiceCallReport' | 'VoiceReport' | 'VoiceRecordReport', statusCode: string, dtmf?: string];

interface Scenario {
  name: string;
  body: Record<string, unknown>;
  status: CallStatus;
  receipts: Expected[];
}

/** sandbox/README.md "Test numbers" and "Receipts: each call's life", mapped to README.md's statuses. */
const SCENARIOS: Scenario[] = [
  {
    name: 'tts answered',
    body: tts(ANSWERED, 'lc-answered'),
    status: 'completed',
    receipts: [['VoiceCallReport', '200101'], ['VoiceCallReport', '200201'], ['VoiceCallReport', '200103'], ['VoiceReport', '200000']],
  },
  { name: 'tts busy', body: tts(BUSY, 'lc-busy'), status: 'busy', receipts: [['VoiceCallReport', '200101'], ['VoiceReport', '200002']] },
  {
    name: 'tts no answer',
    body: tts(NO_ANSWER, 'lc-noanswer'),
    status: 'no-answer',
    receipts: [['VoiceCallReport', '200101'], ['VoiceCallReport', '200201'], ['VoiceReport', '200003']],
  },
  { name: 'tts invalid number', body: tts(INVALID, 'lc-invalid'), status: 'failed', receipts: [['VoiceCallReport', '200101'], ['VoiceReport', '200004']] },
  { name: 'tts powered off', body: tts(POWERED_OFF, 'lc-off'), status: 'failed', receipts: [['VoiceCallReport', '200101'], ['VoiceReport', '200010']] },
  {
    name: 'tts rejected',
    body: tts(REJECTED, 'lc-rejected'),
    status: 'failed',
    receipts: [['VoiceCallReport', '200101'], ['VoiceCallReport', '200201'], ['VoiceReport', '200005']],
  },
  {
    name: 'ivr answered, key 1 pressed',
    body: {
      type: 'ivr',
      calledNumber: ANSWERED,
      calledShowNumber: '057188880002',
      startCode: 'TTS_10001',
      menuKeyMap: [
        { key: '1', code: 'TTS_20001' },
        { key: '2', code: 'TTS_20002' },
      ],
      outId: 'lc-ivr',
    },
    status: 'completed',
    receipts: [
      ['VoiceCallReport', '200101'],
      ['VoiceCallReport', '200201'],
      ['VoiceCallReport', '200103'],
      ['VoiceCallReport', '300000', '1'],
      ['VoiceReport', '200000', '1'],
    ],
  },
  {
    name: 'clickToDial answered and recorded',
    body: clickToDial(ANSWERED, 'lc-c2d'),
    status: 'completed',
    receipts: [
      ['VoiceCallReport', '200101'],
      ['VoiceCallReport', '200102'],
      ['VoiceCallReport', '200103'],
      ['VoiceReport', '200100'],
      ['VoiceRecordReport', '200100'],
    ],
  },
  {
    name: 'clickToDial, B leg busy',
    body: clickToDial(BUSY, 'lc-c2d-busy'),
    status: 'busy',
    receipts: [['VoiceCallReport', '200101'], ['VoiceCallReport', '200102'], ['VoiceReport', '200112']],
  },
  {
    name: 'smart call answered and recorded',
    body: {
      type: 'smart',
      calledNumber: ANSWERED,
      calledShowNumber: '057188880005',
      voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav',
      recordFlag: true,
      outId: 'lc-smart',
    },
    status: 'completed',
    receipts: [
      ['VoiceCallReport', '200101'],
      ['VoiceCallReport', '200201'],
      ['VoiceCallReport', '200103'],
      ['VoiceReport', '200000'],
      ['VoiceRecordReport', '200000'],
    ],
  },
];

const order = (receipts: Expected[]) => [...receipts].map((receipt) => receipt.join('|')).sort();

describe('placed calls end, through receipts, at their normalised status', () => {
  it('every test number and call type: final status, each receipt once (normalised + raw), TTL in seconds', async () => {
    const audit = auditDeletes(bundle);
    const placed = await Promise.all(SCENARIOS.map(async (scenario) => ({ scenario, callId: await placeCall(bundle, scenario.body) })));
    await eventually(() => totals(bundle.sandbox).delayed === 0, 10_000, 'every call to send its receipts');
    const expectedReceipts = SCENARIOS.reduce((total, scenario) => total + scenario.receipts.length, 0);
    expect(totals(bundle.sandbox).visible).toBe(expectedReceipts);

    await pollUntilEmpty(bundle);

    expectQueuesEmpty(bundle.sandbox, expectedReceipts);
    expect(audit.violations).toEqual([]);
    expect(audit.checked).toBe(expectedReceipts);
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const { scenario, callId } of placed) {
      const response = await getCall(bundle, callId);
      expect(response.status, response.text).toBe(200);
      const call = response.body;
      expect(call, scenario.name).toMatchObject({ callId, type: scenario.body.type, outId: scenario.body.outId, status: scenario.status });

      const receipts = call.receipts as Record<string, any>[];
      const seen: Expected[] = receipts.map((receipt) => [
        receipt.messageType,
        receipt.statusCode,
        ...(receipt.messageType === 'VoiceCallReport' && receipt.dtmf !== undefined ? [receipt.dtmf] : []),
      ] as Expected);
      const expected = scenario.receipts.map(([type, code, dtmf]) => [type, code, ...(type === 'VoiceCallReport' && dtmf ? [dtmf] : [])] as Expected);
      expect(order(seen), `${scenario.name}: receipts`).toEqual(order(expected));

      for (const receipt of receipts) {
        const raw = receipt.raw as Record<string, unknown>;
        // Normalised fields beside Alibaba's raw body (docs/alibaba/receipts.md#receipt-fields names → camelCase, numbers parsed).
        expect(raw.call_id).toBe(callId);
        expect(raw.out_id).toBe(scenario.body.outId);
        expect(receipt).toMatchObject({ callId, outId: scenario.body.outId, statusCode: raw.status_code, messageId: expect.any(String) });
        expect(Date.parse(receipt.receivedAt)).not.toBeNaN();
        if (raw.smart_status_code !== undefined) expect(receipt.smartStatusCode).toBe(raw.smart_status_code);
        if (raw.duration !== undefined) expect(receipt.duration).toBe(Number(raw.duration));
        if (raw.dtmf !== undefined) expect(receipt.dtmf).toBe(raw.dtmf);
        if (raw.record_file !== undefined) expect(receipt.recordFile).toBe(raw.record_file);
        // China time (docs/alibaba/receipts.md#querytokenformnsqueue/docs/alibaba/receipts.md#body-encoding) made explicit.
        if (typeof raw.status_time === 'string') expect(Date.parse(receipt.statusTime)).toBe(Date.parse(`${raw.status_time.replace(' ', 'T')}+08:00`));
        if (typeof raw.start_time === 'string' && raw.start_time !== '') {
          expect(Date.parse(receipt.startTime)).toBe(Date.parse(`${raw.start_time.replace(' ', 'T')}+08:00`));
        }
        if (receipt.messageType === 'VoiceReport') expect(receipt.status, `${scenario.name}: VoiceReport status`).toBe(scenario.status);
      }
      const voiceReport = receipts.find((receipt) => receipt.messageType === 'VoiceReport')!;
      expect(voiceReport.duration).toBe(scenario.status === 'completed' ? 22 : 0);
      if (scenario.body.type === 'smart') expect(voiceReport.raw.voice_type).toBe('asr');

      // In the table: one item per receipt, TTL epoch seconds ≈ now + 30 days; the call item too.
      // The poller wrote the receipts only: the call item still holds what placeCall wrote (its
      // status follows from the table's stream, applied by processCallChanges, which does not run here).
      const items = await receiptItemsOf(callId);
      expect(items).toHaveLength(scenario.receipts.length);
      for (const item of items) expectTtlSeconds(item, nowSeconds);
      const callItem = await callItemOf(callId);
      expect(callItem).toMatchObject({ status: 'placed', type: scenario.body.type });
      expect(Number.isInteger(callItem!.expiresAt) && callItem!.expiresAt < 1e11).toBe(true);
    }
  });

  it('a click-to-dial call cancelled through POST /calls/{callId}/cancel stays cancelled once its final receipt (9996, CANCEL) is stored', async () => {
    // Receipts half a second apart: the call is still dialling when it is cancelled.
    bundle.sandbox.control.setReceiptSettings({ receiptDelayMs: 500 });
    const callId = await placeCall(bundle, clickToDial(ANSWERED, 'lc-cancel'));
    const cancelled = await cancelCall(bundle, callId);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.cancelled).toBe(true);
    await eventually(() => totals(bundle.sandbox).delayed === 0, 10_000, 'the cancelled call to send its last receipt');

    await pollUntilEmpty(bundle);

    const call = (await getCall(bundle, callId)).body;
    expect(call).toMatchObject({ callId, type: 'clickToDial', status: 'cancelled' });
    const finals = (call.receipts as Record<string, any>[]).filter((receipt) => receipt.messageType === 'VoiceReport');
    expect(finals).toEqual([expect.objectContaining({ statusCode: '9996', smartStatusCode: 'CANCEL', duration: 0, raw: expect.objectContaining({ call_id: callId }) })]);
    // Never connected: no recording, although recordFlag was set.
    expect((call.receipts as Record<string, any>[]).some((receipt) => receipt.messageType === 'VoiceRecordReport')).toBe(false);
  });

  it('polled while its receipts are still arriving, a call only ever moves forward and ends completed', async () => {
    // One receipt every 800 ms; polls with a 1 s long poll each (an 11.5 s Lambda budget leaves
    // 1.x s after the handler's margin and the poller's per-round reserve), so early polls see the
    // call in progress.
    bundle.sandbox.control.setReceiptSettings({ receiptDelayMs: 800 });
    const callId = await placeCall(bundle, tts(ANSWERED, 'lc-progress'));
    const seen: CallStatus[] = [];

    for (let poll = 0; poll < 15 && !(poll > 0 && queuesEmpty(bundle.sandbox)); poll++) {
      const result = await bundle.poll(11_500);
      for (const queue of result.queues) expect(queue.stoppedBecause).not.toBe('error');
      seen.push((await getCall(bundle, callId)).body.status as CallStatus);
    }

    expect(queuesEmpty(bundle.sandbox)).toBe(true);
    expect(seen.at(-1)).toBe('completed');
    // The order the statuses may be seen in, written out rather than read from the code's STATUS_RANK
    // (test/unit/literalExpectations.test.ts).
    const order: CallStatus[] = ['placed', 'ringing', 'in-progress', 'completed'];
    expect(seen.some((status) => status !== 'completed'), `statuses seen: ${seen.join(' → ')}`).toBe(true);
    const positions = seen.map((status) => order.indexOf(status));
    expect(positions, `statuses seen: ${seen.join(' → ')}`).not.toContain(-1);
    expect(positions, `statuses seen: ${seen.join(' → ')}`).toEqual([...positions].sort((a, b) => a - b));
    expect((await getCall(bundle, callId)).body.receipts).toHaveLength(4);
  });
});

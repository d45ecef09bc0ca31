/**
 * Each accepted call plays out its life in the receipt queues (docs/alibaba/receipts.md): intermediate
 * VoiceCallReport states, IVR key presses, the final VoiceReport, a VoiceRecordReport when
 * recorded; outcomes chosen by the documented test numbers; consistent with
 * QueryCallDetailByCallId and CancelCall; paced by the receipt delay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlibabaCredentials } from '#shared/signing/index';
import { startSandbox } from '#sandbox/server';
import {
  callV1,
  controlRequest,
  decodeReceipt,
  deleteMessages,
  messagesOf,
  queryToken,
  PLACE,
  receiveMessages,
  useSandbox,
  type MessageType,
} from './helpers.ts';

const KEY = { accessKeyId: 'LTAIlifecycleTests', accessKeySecret: 'lifecycle-tests-secret' };
const CHINA_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** What each documented outcome number must produce (sandbox/README.md "Test numbers"). */
const OUTCOMES = [
  { number: '13900000010', outcome: 'answered', code: '200000', twoLegCode: '200100', smart: 'ANSWERED', rings: true, connected: true },
  { number: '13900000011', outcome: 'busy', code: '200002', twoLegCode: '200112', smart: 'USER_BUSY', rings: false, connected: false },
  { number: '13900000012', outcome: 'no answer', code: '200003', twoLegCode: '200113', smart: 'NO_ANSWER', rings: true, connected: false },
  { number: '13900000013', outcome: 'invalid number', code: '200004', twoLegCode: '200116', smart: 'INVALID_NUMBER', rings: false, connected: false },
  { number: '13900000014', outcome: 'powered off', code: '200010', twoLegCode: '200010', smart: 'POWERED_OFF', rings: false, connected: false },
  { number: '13900000015', outcome: 'rejected', code: '200005', twoLegCode: '200111', smart: 'CALL_REJECTED', rings: true, connected: false },
] as const;

const sandbox = useSandbox({ keys: [KEY], flowControl: false, receiptDelayMs: 0 });
const tokens = new Map<MessageType, AlibabaCredentials>();

beforeEach(() => {
  tokens.clear();
});

async function place(action: string, calledNumber: string, extra: Record<string, string> = {}): Promise<string> {
  const answer = await callV1(sandbox, { action, params: { ...PLACE[action], CalledNumber: calledNumber, ...extra }, credentials: KEY });
  if (answer.status !== 200) throw new Error(`${action} failed: ${answer.text}`);
  return answer.body.CallId as string;
}

/** Every receipt now visible in the queue, oldest first, received and deleted with our signer. */
async function drain(messageType: MessageType): Promise<Record<string, any>[]> {
  if (!tokens.has(messageType)) tokens.set(messageType, await queryToken(sandbox, KEY, messageType));
  const token = tokens.get(messageType)!;
  const queue = sandbox.queueNames[messageType];
  const receipts: Record<string, any>[] = [];
  for (;;) {
    const answer = await receiveMessages(sandbox, queue, token);
    if (answer.status === 404) return receipts;
    const messages = messagesOf(answer);
    receipts.push(...messages.map((message) => decodeReceipt(message.MessageBody)));
    await deleteMessages(sandbox, queue, token, messages.map((message) => message.ReceiptHandle));
  }
}

async function drainAll(): Promise<Record<MessageType, Record<string, any>[]>> {
  return {
    VoiceCallReport: await drain('VoiceCallReport'),
    VoiceReport: await drain('VoiceReport'),
    VoiceRecordReport: await drain('VoiceRecordReport'),
  };
}

function fromChinaTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}+08:00`);
}

describe.each(OUTCOMES)('test number $number ($outcome)', (expected) => {
  it('plays a single call: dialling, ringing if it rings, in call if answered, then the VoiceReport', async () => {
    const callId = await place('SingleCallByTts', expected.number, { OutId: 'order-1' });

    const { VoiceCallReport: states, VoiceReport: reports, VoiceRecordReport: recordings } = await drainAll();

    expect(states.map((state) => state.status_code)).toEqual([
      '200101',
      ...(expected.rings ? ['200201'] : []),
      ...(expected.connected ? ['200103'] : []),
    ]);
    for (const state of states) {
      expect(state).toMatchObject({ call_id: callId, out_id: 'order-1' });
      expect(state.status_time).toMatch(CHINA_TIME);
    }
    expect(reports).toEqual([
      {
        call_id: callId,
        out_id: 'order-1',
        status_code: expected.code,
        smart_status_code: expected.smart,
        status_msg: expect.any(String),
        caller: '057100000000',
        callee: expected.number,
        originate_time: expect.stringMatching(CHINA_TIME),
        ring_time: expected.rings ? expect.stringMatching(CHINA_TIME) : '',
        start_time: expected.connected ? expect.stringMatching(CHINA_TIME) : '',
        end_time: expected.connected ? expect.stringMatching(CHINA_TIME) : '',
        // docs/alibaba/receipts.md#body-encoding: a string here, on purpose.
        duration: expected.connected ? '22' : '0',
        hangup_direction: expect.stringMatching(/^(用户|机器)$/),
        voice_type: 'voice',
        toll_type: 'UNKNOWN',
      },
    ]);
    expect(recordings).toEqual([]);
    expect(sandbox.control.calls()[0]).toMatchObject({ callId, ended: true, cancelled: false });
  });

  it('plays a ClickToDial: A leg connected, then the B leg, with two-leg codes and a_/b_ fields', async () => {
    const callId = await place('ClickToDial', expected.number);

    const { VoiceCallReport: states, VoiceReport: [report] } = await drainAll();

    expect(states.map((state) => state.status_code)).toEqual(['200101', '200102', ...(expected.connected ? ['200103'] : [])]);
    expect(report).toMatchObject({
      call_id: callId,
      status_code: expected.twoLegCode,
      smart_status_code: expected.smart,
      caller: '13800138001',
      callee: expected.number,
      caller_show_num: '057100000001',
      callee_show_num: '057100000000',
      duration: expected.connected ? '22' : '0',
      // docs/alibaba/receipts.md#body-encoding: b_duration a number where duration is a string.
      b_duration: expected.connected ? 22 : 0,
      a_duration: expect.stringMatching(/^\d+$/),
      b_ring_time: expected.rings ? expect.stringMatching(CHINA_TIME) : '',
      b_start_time: expected.connected ? expect.stringMatching(CHINA_TIME) : '',
    });
    expect(report).not.toHaveProperty('out_id');
    for (const field of ['a_originate_time', 'a_ring_time', 'a_start_time', 'a_end_time', 'b_originate_time', 'b_end_time']) {
      expect(report![field], field).toMatch(CHINA_TIME);
    }
  });
});

describe('by kind of call', () => {
  it('reports a SmartCall as voice_type asr', async () => {
    await place('SmartCall', '13800138000');

    const [report] = await drain('VoiceReport');

    expect(report).toMatchObject({ status_code: '200000', voice_type: 'asr' });
  });

  it('reports the first MenuKeyMap key of an answered IvrCall as a 300000 state and in the VoiceReport', async () => {
    const callId = await place('IvrCall', '13800138000', {
      'MenuKeyMap.1.Key': '2',
      'MenuKeyMap.1.Code': 'TTS_20001',
      'MenuKeyMap.2.Key': '1',
      'MenuKeyMap.2.Code': 'TTS_20002',
    });

    const { VoiceCallReport: states, VoiceReport: [report] } = await drainAll();

    expect(states.map((state) => state.status_code)).toEqual(['200101', '200201', '200103', '300000']);
    expect(states[3]).toEqual({
      call_id: callId,
      status_code: '300000',
      smart_status_code: 'ANSWERED',
      dtmf: '2',
      status_time: expect.stringMatching(CHINA_TIME),
    });
    expect(fromChinaTime(states[3]!.status_time)).toBeGreaterThan(fromChinaTime(states[2]!.status_time));
    expect(report).toMatchObject({ status_code: '200000', dtmf: '2' });
  });

  it('sends no key press for an IvrCall without MenuKeyMap, or one that was not answered', async () => {
    await place('IvrCall', '13800138000');
    await place('IvrCall', '13900000011', { 'MenuKeyMap.1.Key': '1', 'MenuKeyMap.1.Code': 'TTS_20001' });

    const { VoiceCallReport: states, VoiceReport: reports } = await drainAll();

    expect(states.map((state) => state.status_code)).not.toContain('300000');
    expect(reports.map((report) => report.dtmf)).toEqual([undefined, undefined]);
  });

  it.each(['ClickToDial', 'SmartCall'])('sends a VoiceRecordReport after the VoiceReport of an answered %s with RecordFlag=true', async (action) => {
    const callId = await place(action, '13800138000', { RecordFlag: 'true', OutId: 'rec-1' });

    const { VoiceReport: [report], VoiceRecordReport: recordings } = await drainAll();

    expect(recordings).toEqual([
      {
        call_id: callId,
        out_id: 'rec-1',
        status_code: action === 'ClickToDial' ? '200100' : '200000',
        smart_status_code: 'ANSWERED',
        start_time: report!.start_time,
        end_time: report!.end_time,
        // docs/alibaba/receipts.md#receipt-fields example: a number in the recording receipt.
        duration: 22,
        record_file: expect.stringMatching(/^https:\/\/.+\.wav\?Expires=\d+&Signature=/),
        record_begin_time: report!.start_time,
      },
    ]);
  });

  it('sends no recording without RecordFlag, with RecordFlag=false, or for a call that never connected', async () => {
    await place('SmartCall', '13800138000');
    await place('SmartCall', '13800138002', { RecordFlag: 'false' });
    await place('ClickToDial', '13900000012', { RecordFlag: 'true' });

    expect(await drain('VoiceRecordReport')).toEqual([]);
  });

  it('agrees with QueryCallDetailByCallId on every time', async () => {
    const callId = await place('ClickToDial', '13800138000');
    const [report] = await drain('VoiceReport');

    const answer = await callV1(sandbox, {
      action: 'QueryCallDetailByCallId',
      params: { CallId: callId, ProdId: '1', QueryDate: String(Date.now() - 60_000) },
      credentials: KEY,
    });
    const detail = JSON.parse(answer.body.Data as string);

    expect(detail).toMatchObject({
      state: report!.status_code,
      duration: Number(report!.duration),
      startDate: report!.start_time,
      endDate: report!.end_time,
      gmtCreate: report!.originate_time,
      aRingTime: report!.a_ring_time,
      aEndTime: report!.a_end_time,
      bRingTime: report!.b_ring_time,
      bEndTime: report!.b_end_time,
    });
    expect(fromChinaTime(report!.end_time) - fromChinaTime(report!.start_time)).toBe(22_000);
  });

  it('enqueues nothing for a refused call', async () => {
    const answer = await callV1(sandbox, { action: 'SingleCallByTts', params: { ...PLACE.SingleCallByTts, CalledNumber: '13900000001' }, credentials: KEY });

    expect(answer.status).toBe(400);
    expect(sandbox.control.queues().map((queue) => queue.visible + queue.delayed)).toEqual([0, 0, 0]);
  });
});

describe('pacing, ending and cancelling', () => {
  it('with delay 0, has every receipt queued and the call ended before the response', async () => {
    await place('SmartCall', '13800138000', { RecordFlag: 'true' });

    expect(sandbox.control.queues().map((queue) => [queue.messageType, queue.visible, queue.delayed])).toEqual([
      ['VoiceReport', 1, 0],
      ['VoiceCallReport', 3, 0],
      ['VoiceRecordReport', 1, 0],
    ]);
    expect(sandbox.control.calls()[0]!.ended).toBe(true);
  });

  it('an ended call can no longer be cancelled', async () => {
    const callId = await place('ClickToDial', '13800138000');

    const answer = await callV1(sandbox, { action: 'CancelCall', params: { CallId: callId }, credentials: KEY });

    expect(answer.body.Status).toBe(false);
    expect(sandbox.control.calls()[0]).toMatchObject({ ended: true, cancelled: false });
  });

  it('spaces receipts by the receipt delay, the first one delay after the call, and ends the call with the VoiceReport', async () => {
    const set = await controlRequest(sandbox, 'PUT', 'receipt-settings', { receiptDelayMs: 150 });
    const placedAt = performance.now();
    await place('SingleCallByTts', '13800138000');
    const token = await queryToken(sandbox, KEY, 'VoiceCallReport');

    const right = sandbox.control.queues();
    const [first] = messagesOf(await receiveMessages(sandbox, sandbox.queueNames.VoiceCallReport, token, { waitSeconds: 5 }));
    const firstAfter = performance.now() - placedAt;
    const endedEarly = sandbox.control.calls()[0]!.ended;

    expect(set.body).toMatchObject({ receiptDelayMs: 150 });
    expect(right.map((queue) => [queue.messageType, queue.visible, queue.delayed])).toEqual([
      ['VoiceReport', 0, 1],
      ['VoiceCallReport', 0, 3],
      ['VoiceRecordReport', 0, 0],
    ]);
    expect(decodeReceipt(first!.MessageBody).status_code).toBe('200101');
    expect(firstAfter).toBeGreaterThanOrEqual(140);
    expect(endedEarly).toBe(false);

    // 3 more steps of 150 ms: ringing, in call, VoiceReport.
    await sleep(600);
    expect(sandbox.control.calls()[0]!.ended).toBe(true);
    expect(sandbox.control.queues().map((queue) => queue.delayed)).toEqual([0, 0, 0]);
    expect((await drain('VoiceCallReport')).map((state) => state.status_code)).toEqual(['200201', '200103']);
    expect((await drain('VoiceReport')).map((report) => report.status_code)).toEqual(['200000']);
  });

  it('ends a cancelled ClickToDial with a CANCEL VoiceReport and nothing after it', async () => {
    sandbox.control.setReceiptSettings({ receiptDelayMs: 100 });
    const callId = await place('ClickToDial', '13800138000', { RecordFlag: 'true', OutId: 'c2d-1' });
    await sleep(150);

    const cancel = await callV1(sandbox, { action: 'CancelCall', params: { CallId: callId }, credentials: KEY });
    await sleep(400);

    const { VoiceCallReport: states, VoiceReport: reports, VoiceRecordReport: recordings } = await drainAll();
    expect(cancel.body.Status).toBe(true);
    expect(states.map((state) => state.status_code)).toEqual(['200101']);
    expect(reports).toEqual([
      expect.objectContaining({
        call_id: callId,
        out_id: 'c2d-1',
        status_code: '9996',
        smart_status_code: 'CANCEL',
        duration: '0',
        b_duration: 0,
        start_time: '',
        end_time: '',
      }),
    ]);
    expect(recordings).toEqual([]);
    expect(sandbox.control.calls()[0]).toMatchObject({ cancelled: true, ended: true });
    const detail = await callV1(sandbox, {
      action: 'QueryCallDetailByCallId',
      params: { CallId: callId, ProdId: '1', QueryDate: String(Date.now() - 60_000) },
      credentials: KEY,
    });
    expect(JSON.parse(detail.body.Data as string)).toMatchObject({ state: '9996', stateDesc: 'CANCEL' });
  });

  it('stops every playback on reset', async () => {
    sandbox.control.setReceiptSettings({ receiptDelayMs: 50 });
    await place('SingleCallByTts', '13800138000');

    sandbox.control.reset();
    await sleep(300);

    expect(sandbox.control.queues().map((queue) => [queue.visible, queue.delayed])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  it('honours SANDBOX_RECEIPT_DELAY_MS when no option is given', async () => {
    const previous = process.env.SANDBOX_RECEIPT_DELAY_MS;
    process.env.SANDBOX_RECEIPT_DELAY_MS = '60000';
    try {
      const slow = await startSandbox({ port: 0, keys: [KEY], flowControl: false });
      try {
        await callV1(slow, { action: 'SingleCallByTts', params: { ...PLACE.SingleCallByTts, CalledNumber: '13800138000' }, credentials: KEY });

        expect(slow.control.receiptSettings().receiptDelayMs).toBe(60_000);
        expect(slow.control.queues().map((queue) => queue.visible)).toEqual([0, 0, 0]);
        expect(slow.control.queues()[1]!.delayed).toBe(3);
      } finally {
        await slow.close();
      }
    } finally {
      if (previous === undefined) delete process.env.SANDBOX_RECEIPT_DELAY_MS;
      else process.env.SANDBOX_RECEIPT_DELAY_MS = previous;
    }
  });
});

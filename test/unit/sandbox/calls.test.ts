/**
 * Calls: CallIds, the documented test numbers, per-number flow control (docs/alibaba/actions.md), and CancelCall /
 * QueryCallDetailByCallId answering consistently with what was placed (docs/alibaba/actions.md#cancelcall, docs/alibaba/actions.md#querycalldetailbycallid).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rpcTimestamp } from '#shared/signing/index';
import { startSandbox, type Sandbox } from '#sandbox/server';
import { CALL_OUTCOMES, TEST_NUMBERS } from '#sandbox/testNumbers';
import { CALL_ID_PATTERN, callV1, callV3, controlRequest, expectAlibabaError, PLACE, useSandbox, type RpcAnswer } from './helpers.ts';

const KEY = { accessKeyId: 'LTAIcallTests', accessKeySecret: 'call-tests-secret' };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const PROD_IDS: Record<string, string> = {
  SingleCallByVoice: '11000000300006',
  SingleCallByTts: '11010000138001',
  IvrCall: '11000000300005',
  SmartCall: '11030000180001',
};

const sandbox = useSandbox({ keys: [KEY] });

function place(action: string, calledNumber: string, target: Sandbox = sandbox, timestamp?: string): Promise<RpcAnswer> {
  return callV1(target, {
    action,
    params: { ...PLACE[action], CalledNumber: calledNumber },
    credentials: KEY,
    ...(timestamp !== undefined ? { timestamp } : {}),
  });
}

function query(callId: string, prodId: string, queryDate: number): Promise<RpcAnswer> {
  return callV3(sandbox, {
    action: 'QueryCallDetailByCallId',
    query: { CallId: callId, ProdId: prodId, QueryDate: String(queryDate) },
    credentials: KEY,
  });
}

function cancel(callId: string): Promise<RpcAnswer> {
  return callV1(sandbox, { action: 'CancelCall', params: { CallId: callId }, credentials: KEY });
}

describe.each(Object.keys(PLACE))('%s', (action) => {
  it("issues a CallId of Alibaba's shape and records the call", async () => {
    const before = Date.now();
    const answer = await place(action, '13800138000');

    expect(answer.body).toMatchObject({ Code: 'OK', Message: 'OK' });
    expect(answer.body.CallId).toMatch(CALL_ID_PATTERN);
    const [call] = sandbox.control.calls();
    expect(call).toMatchObject({
      callId: answer.body.CallId,
      action,
      params: { ...PLACE[action], CalledNumber: '13800138000' },
      outcome: 'answered',
      cancelled: false,
      ended: false,
    });
    expect(Date.parse(call!.createdAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it.each(TEST_NUMBERS.filter((entry) => entry.failure).map((entry) => [entry.number, entry.failure!] as const))(
    'fails for test number %s',
    async (number, failure) => {
      const answer = await place(action, number);

      expectAlibabaError(answer, failure.code, failure.httpStatus);
      expect(sandbox.control.calls()).toEqual([]);
    },
  );
});

it('issues distinct CallIds', async () => {
  await controlRequest(sandbox, 'PUT', 'flow-control', { enabled: false });
  const ids = new Set<unknown>();
  for (let i = 0; i < 20; i += 1) ids.add((await place('SingleCallByTts', '13800138000')).body.CallId);

  expect(ids.size).toBe(20);
});

describe('flow control per called number (docs/alibaba/actions.md: 1/min, 5/h, 20/24 h)', () => {
  it('refuses a second call to the same number within a minute, across actions', async () => {
    const first = await place('SingleCallByTts', '13800138000');
    const other = await place('SingleCallByTts', '13800138009');

    const second = await place('SmartCall', '13800138000');

    expect(first.status).toBe(200);
    expect(other.status).toBe(200);
    expectAlibabaError(second, 'isv.BUSINESS_LIMIT_CONTROL', 400);
    expect(second.body.Message).toBe('触发号码分钟级流控Permits:1');
  });

  it('counts both legs of a ClickToDial call: the platform dials the caller and the called number', async () => {
    await place('ClickToDial', '13800138000');

    expectAlibabaError(await place('SingleCallByTts', '13800138000'), 'isv.BUSINESS_LIMIT_CONTROL', 400);
    expectAlibabaError(await place('SingleCallByTts', PLACE.ClickToDial!.CallerNumber!), 'isv.BUSINESS_LIMIT_CONTROL', 400);
    expect((await place('SingleCallByTts', '13800138009')).status).toBe(200);
  });

  it('does not count refused calls', async () => {
    await callV1(sandbox, {
      action: 'SingleCallByTts',
      params: { CalledNumber: '13800138000', TtsCode: 'TTS_1', PlayTimes: '9' },
      credentials: KEY,
    });

    expect((await place('SingleCallByTts', '13800138000')).status).toBe(200);
  });

  it('can be switched off and on over HTTP', async () => {
    await place('SingleCallByTts', '13800138000');

    const off = await controlRequest(sandbox, 'PUT', 'flow-control', { enabled: false });
    const whileOff = await place('SingleCallByTts', '13800138000');
    await controlRequest(sandbox, 'PUT', 'flow-control', { enabled: true });
    const state = await controlRequest(sandbox, 'GET', 'flow-control');
    const whileOn = await place('SingleCallByTts', '13800138000');

    expect(off).toEqual({ status: 200, body: { enabled: false } });
    expect(whileOff.status).toBe(200);
    expect(state.body).toEqual({ enabled: true });
    expectAlibabaError(whileOn, 'isv.BUSINESS_LIMIT_CONTROL', 400);
  });

  it('applies the minute, hour and day windows on the sandbox clock', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const clocked = await startSandbox({ port: 0, keys: [KEY], now: () => clock });
    const placeAt = (): Promise<RpcAnswer> => place('SingleCallByTts', '13800138000', clocked, rpcTimestamp(new Date(clock)));
    try {
      // Minute: one call, the next refused until 60 s have passed.
      expect((await placeAt()).status).toBe(200);
      clock += 59_000;
      expect((await placeAt()).body.Message).toBe('触发号码分钟级流控Permits:1');
      clock += 2_000;
      expect((await placeAt()).status).toBe(200);

      // Hour: five calls a minute apart, the sixth refused.
      for (let calls = 2; calls < 5; calls += 1) {
        clock += MINUTE + 1;
        expect((await placeAt()).status).toBe(200);
      }
      clock += MINUTE + 1;
      expect((await placeAt()).body.Message).toBe('触发号码小时级流控Permits:5');

      // Day: 20 calls 12.5 minutes apart stay under the hour limit; the 21st is refused.
      clock += HOUR;
      let accepted = 0;
      while (accepted < 20 - 5) {
        const answer = await placeAt();
        expect(answer.status, answer.text).toBe(200);
        accepted += 1;
        clock += 12.5 * MINUTE;
      }
      expect((await placeAt()).body.Message).toBe('触发号码天级流控Permits:20');
    } finally {
      await clocked.close();
    }
  });

  it('is off when started with flowControl: false', async () => {
    const free = await startSandbox({ port: 0, keys: [KEY], flowControl: false });
    try {
      expect((await place('SingleCallByTts', '13800138000', free)).status).toBe(200);
      expect((await place('SingleCallByTts', '13800138000', free)).status).toBe(200);
    } finally {
      await free.close();
    }
  });
});

describe('CancelCall (docs/alibaba/actions.md#cancelcall)', () => {
  it('cancels a live ClickToDial call once', async () => {
    const { CallId } = (await place('ClickToDial', '13800138000')).body as { CallId: string };

    const first = await cancel(CallId);
    const second = await cancel(CallId);

    expect(first.body).toMatchObject({ Code: 'OK', Status: true });
    expect(second.body).toMatchObject({ Code: 'OK', Status: false });
    expect(sandbox.control.calls()[0]).toMatchObject({ callId: CallId, cancelled: true });
  });

  it('answers Status false for a call that is not a ClickToDial, and for an unknown CallId', async () => {
    const { CallId } = (await place('SingleCallByTts', '13800138000')).body as { CallId: string };

    expect((await cancel(CallId)).body.Status).toBe(false);
    expect((await cancel('116012354148^102813781234')).body.Status).toBe(false);
    expect(sandbox.control.calls()[0]!.cancelled).toBe(false);
  });
});

describe('QueryCallDetailByCallId (docs/alibaba/actions.md#querycalldetailbycallid)', () => {
  it.each(Object.entries(PROD_IDS))('finds a %s call under its ProdId %s, as a JSON string', async (action, prodId) => {
    const { CallId } = (await place(action, '13800138000')).body as { CallId: string };

    const answer = await query(CallId, prodId, Date.now() - HOUR);

    expect(answer.body).toMatchObject({ Code: 'OK', Message: 'OK' });
    const data = JSON.parse(answer.body.Data as string);
    expect(data).toMatchObject({
      callee: '13800138000',
      calleeShowNumber: '057100000000',
      state: '200000',
      duration: 22,
    });
    expect(data.gmtCreate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // docs/alibaba/receipts.md#querytokenformnsqueue: China time, UTC+8.
    const createdAt = Date.parse(sandbox.control.calls()[0]!.createdAt);
    expect(Date.parse(`${data.gmtCreate.replace(' ', 'T')}+08:00`)).toBe(Math.floor(createdAt / 1000) * 1000);
    expect(Date.parse(`${data.endDate.replace(' ', 'T')}+08:00`) - Date.parse(`${data.startDate.replace(' ', 'T')}+08:00`)).toBe(22_000);
  });

  it('answers OK without Data for another ProdId, another day, or an unknown CallId', async () => {
    const { CallId } = (await place('SingleCallByTts', '13800138000')).body as { CallId: string };

    const wrongProduct = await query(CallId, PROD_IDS.SingleCallByVoice!, Date.now() - HOUR);
    const dayAfter = await query(CallId, PROD_IDS.SingleCallByTts!, Date.now() + MINUTE);
    const dayBefore = await query(CallId, PROD_IDS.SingleCallByTts!, Date.now() - 25 * HOUR);
    const unknown = await query('116012354148^102813781234', PROD_IDS.SingleCallByTts!, Date.now() - HOUR);

    for (const answer of [wrongProduct, dayAfter, dayBefore, unknown]) {
      expect(answer.status).toBe(200);
      expect(answer.body.Code).toBe('OK');
      expect(answer.body).not.toHaveProperty('Data');
    }
  });

  it('reports the outcome scripted by a test number', async () => {
    const busy = TEST_NUMBERS.find((entry) => entry.outcome === 'busy')!.number;
    const { CallId } = (await place('SingleCallByTts', busy)).body as { CallId: string };

    const data = JSON.parse((await query(CallId, PROD_IDS.SingleCallByTts!, Date.now() - HOUR)).body.Data as string);

    expect(data).toMatchObject({ callee: busy, state: '200002', duration: 0, startDate: '', endDate: '' });
  });

  it('shows a ClickToDial call under any ProdId, both legs, and its cancellation', async () => {
    const { CallId } = (await place('ClickToDial', '13800138000')).body as { CallId: string };

    const before = JSON.parse((await query(CallId, '12345', Date.now() - HOUR)).body.Data as string);
    await cancel(CallId);
    const after = JSON.parse((await query(CallId, '12345', Date.now() - HOUR)).body.Data as string);

    expect(before).toMatchObject({
      caller: '13800138001',
      callerShowNumber: '057100000001',
      callee: '13800138000',
      calleeShowNumber: '057100000000',
      state: '200100',
      duration: 22,
    });
    expect(before.bRingTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(after).toMatchObject({ state: '9996', stateDesc: 'CANCEL', duration: 0, startDate: '', endDate: '' });
  });
});

it('documents every test number in sandbox/README.md', () => {
  const readme = readFileSync(new URL('../../../sandbox/README.md', import.meta.url), 'utf8');

  for (const entry of TEST_NUMBERS) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${entry.number}\` |`));
    const expected = entry.failure ? entry.failure.code : CALL_OUTCOMES[entry.outcome!].statusCode;
    expect(row, entry.number).toContain(expected);
  }
});

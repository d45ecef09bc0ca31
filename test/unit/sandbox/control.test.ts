/** The control API, in process and over HTTP: fault injection, reset, calls. */
import { describe, expect, it } from 'vitest';
import { CALL_ID_PATTERN, callV1, callV3, controlRequest, expectAlibabaError, useSandbox } from './helpers.ts';

const KEY = { accessKeyId: 'LTAIcontrolTests', accessKeySecret: 'control-tests-secret' };
const TTS = { CalledNumber: '13800138000', TtsCode: 'TTS_123456789' };

const sandbox = useSandbox({ keys: [KEY], flowControl: false });

const placeTts = () => callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: KEY });
const cancel = () => callV3(sandbox, { action: 'CancelCall', query: { CallId: '1^2' }, credentials: KEY });

describe('fault injection', () => {
  it('answers the injected error for the next N requests of the action, then recovers', async () => {
    const injected = await controlRequest(sandbox, 'POST', 'faults', {
      action: 'SingleCallByTts',
      count: 2,
      error: { code: 'isp.SYSTEM_ERROR', message: '系统错误' },
    });

    const first = await placeTts();
    const otherAction = await cancel();
    const second = await placeTts();
    const third = await placeTts();

    expect(injected.status).toBe(201);
    expect(injected.body.fault).toMatchObject({ action: 'SingleCallByTts', remaining: 2, error: { httpStatus: 500 } });
    expectAlibabaError(first, 'isp.SYSTEM_ERROR', 500);
    expect(first.body.Message).toBe('系统错误');
    expect(otherAction.body.Code).toBe('OK');
    expectAlibabaError(second, 'isp.SYSTEM_ERROR', 500);
    expect(third.body.CallId).toMatch(CALL_ID_PATTERN);
    expect(sandbox.control.calls()).toHaveLength(1);
    expect(sandbox.control.requests().map((request) => request.fault)).toEqual([
      { error: 'isp.SYSTEM_ERROR' },
      undefined,
      { error: 'isp.SYSTEM_ERROR' },
      undefined,
    ]);
  });

  it('applies a fault without action to any action, with the status given', async () => {
    sandbox.control.addFault({ error: { code: 'Throttling.User', httpStatus: 429 } });

    expectAlibabaError(await cancel(), 'Throttling.User', 429);
    expect((await cancel()).status).toBe(200);
  });

  it('answers isv.* injected errors with 400 by default', async () => {
    sandbox.control.addFault({ error: { code: 'isv.BUSINESS_LIMIT_CONTROL' } });

    expectAlibabaError(await placeTts(), 'isv.BUSINESS_LIMIT_CONTROL', 400);
  });

  it('adds latency', async () => {
    sandbox.control.addFault({ action: 'SingleCallByTts', latencyMs: 300 });
    const started = performance.now();

    const answer = await placeTts();

    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer.body.CallId).toMatch(CALL_ID_PATTERN);
    expect(sandbox.control.requests()[0]!.fault).toEqual({ latencyMs: 300 });
  });

  it('drops the connection without an answer, once', async () => {
    await controlRequest(sandbox, 'POST', 'faults', { action: 'SingleCallByTts', drop: true });

    await expect(placeTts()).rejects.toThrow(TypeError);
    expect((await placeTts()).status).toBe(200);
    expect(sandbox.control.requests()[0]).toMatchObject({ fault: { drop: true } });
    expect(sandbox.control.requests()[0]).not.toHaveProperty('response');
  });

  it('lists and clears pending faults over HTTP', async () => {
    await controlRequest(sandbox, 'POST', 'faults', { action: 'IvrCall', error: { code: 'isp.SYSTEM_ERROR' } });
    await controlRequest(sandbox, 'POST', 'faults', { latencyMs: 10, count: 3 });

    const listed = await controlRequest(sandbox, 'GET', 'faults');
    const cleared = await controlRequest(sandbox, 'DELETE', 'faults');
    const after = await controlRequest(sandbox, 'GET', 'faults');

    expect(listed.body.faults).toHaveLength(2);
    expect(listed.body.faults[1]).toMatchObject({ remaining: 3, latencyMs: 10, drop: false });
    expect(cleared.body).toEqual({ cleared: 2 });
    expect(after.body).toEqual({ faults: [] });
    expect((await placeTts()).status).toBe(200);
  });

  it.each([
    ['no effect', { action: 'SingleCallByTts' }],
    ['count 0', { count: 0, drop: true }],
    ['an error without code', { error: { httpStatus: 500 } }],
    ['a status that is not an error', { error: { code: 'X', httpStatus: 200 } }],
    ['negative latency', { latencyMs: -1 }],
    ['not an object', ['drop']],
  ])('refuses a fault with %s (400)', async (_label, body) => {
    const answer = await controlRequest(sandbox, 'POST', 'faults', body);

    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(expect.any(String));
    expect(sandbox.control.faults()).toEqual([]);
  });

  it('does not spend a fault on a request that fails authentication', async () => {
    sandbox.control.addFault({ error: { code: 'isp.SYSTEM_ERROR' } });

    await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: { ...KEY, accessKeySecret: 'forged' } });

    expect(sandbox.control.faults()).toHaveLength(1);
  });
});

describe('reset and inspection over HTTP', () => {
  it('lists calls and forgets everything on reset', async () => {
    const placed = await placeTts();
    sandbox.control.addFault({ drop: true, action: 'IvrCall' });
    sandbox.control.setFlowControl(true);

    const calls = await controlRequest(sandbox, 'GET', 'calls');
    const reset = await controlRequest(sandbox, 'POST', 'reset');

    expect(calls.body.calls).toEqual([expect.objectContaining({ callId: placed.body.CallId, action: 'SingleCallByTts' })]);
    expect(calls.body.calls[0].createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(reset).toEqual({ status: 200, body: { reset: true } });
    expect(sandbox.control.calls()).toEqual([]);
    expect(sandbox.control.requests()).toEqual([]);
    expect(sandbox.control.faults()).toEqual([]);
    // Back to the setting it was started with.
    expect(sandbox.control.flowControlEnabled()).toBe(false);
  });

  it('answers 404 for an unknown control endpoint and 405 for a wrong method', async () => {
    expect((await controlRequest(sandbox, 'GET', 'nothing')).status).toBe(404);
    expect((await controlRequest(sandbox, 'DELETE', 'calls')).status).toBe(405);
  });

  it('refuses a flow-control body without a boolean', async () => {
    const answer = await controlRequest(sandbox, 'PUT', 'flow-control', { enabled: 'off' });

    expect(answer.status).toBe(400);
  });
});

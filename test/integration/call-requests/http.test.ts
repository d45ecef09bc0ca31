/**
 * POST /call-requests, GET /call-requests/{requestId} and POST /call-requests/{requestId}/cancel
 * through their handlers as API Gateway invokes them (docs/call-requests.md#the-request,
 * #reading-a-request, #cancelling), and the attempts they lead to: placed at once when due, armed
 * in the scheduler stand-in otherwise and placed when it fires, once however often it fires.
 * Everything real but API Gateway and Lambda: harness.ts says how time is driven.
 */
import { describe, expect, it } from 'vitest';
import { scheduleNameOf } from '#shared/callRequests/ports';
import { weekdayAt } from '#shared/callRequests/timing';
import { expectProblem, expectValidationProblem } from '../handlers/harness.ts';
import {
  cancelRequest,
  createRequest,
  eventually,
  fire,
  freshNumber,
  fromNow,
  getRequest,
  pendingSchedule,
  postCallRequest,
  readRequest,
  sandboxCallsTo,
  schedulesOf,
  storedRequests,
  useCallRequestBundle,
  waitUntil,
} from './harness.ts';

const bundle = useCallRequestBundle();

const REQUEST_ID = /^cr_[A-Za-z0-9_-]{22}$/;
const tts = (calledNumber = freshNumber()) => ({ type: 'tts', calledNumber, ttsCode: 'TTS_100001' });
const ivr = (calledNumber = freshNumber()) => ({
  type: 'ivr',
  calledNumber,
  calledShowNumber: '057100000000',
  startCode: 'TTS_200001',
  menuKeyMap: [
    { key: '1', code: 'TTS_200002' },
    { key: '2', code: 'TTS_200003' },
  ],
});
/** The weekday `days` from now in China time. */
const weekdayIn = (days: number) => weekdayAt(Date.now() + days * 86_400_000, 'Asia/Shanghai');

describe('POST /call-requests', () => {
  it('a request due now places its first attempt at once: 202, its Location, in progress with the CallId', async () => {
    const number = freshNumber();

    const response = await postCallRequest(bundle, { call: tts(number) });

    expect(response.status, response.text).toBe(202);
    const view = response.body;
    expect(view.requestId).toMatch(REQUEST_ID);
    expect(response.headers.location).toBe(`/call-requests/${view.requestId}`);
    const calls = sandboxCallsTo(bundle, number);
    expect(calls).toHaveLength(1);
    expect(view).toMatchObject({
      status: 'in-progress',
      call: tts(number),
      window: null,
      redial: { on: [], maxAttempts: 1, intervalSeconds: 60 },
      until: 'answered',
      acknowledgeKeys: null,
      attempts: [{ attempt: 1, callId: calls[0]!.callId, status: 'placed', placedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }],
      nextAttemptAt: null,
    });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
    expect(await readRequest(bundle, view.requestId)).toEqual(view);
  });

  it('a later request is armed in the scheduler, not placed; its schedule places it when it fires', async () => {
    const number = freshNumber();
    const notBefore = fromNow(1_500);

    const view = await createRequest(bundle, { call: tts(number), notBefore });

    expect(view).toMatchObject({ status: 'scheduled', attempts: [], nextAttemptAt: notBefore, notBefore });
    expect(sandboxCallsTo(bundle, number)).toEqual([]);
    const schedule = pendingSchedule(bundle, view.requestId);
    const at = Date.parse(notBefore);
    expect(schedule).toMatchObject({
      name: scheduleNameOf({ requestId: view.requestId, attempt: 1, at }),
      groupName: 'aliyun-voice-test-call-requests',
      actionAfterCompletion: 'DELETE',
      target: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:aliyun-voice-test-attemptCallRequest', RoleArn: expect.stringMatching(/:role\//) },
      armed: { requestId: view.requestId, attempt: 1, at },
    });

    await waitUntil(notBefore);
    await fire(bundle, view.requestId);

    const calls = sandboxCallsTo(bundle, number);
    expect(calls).toHaveLength(1);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ attempts: [{ attempt: 1, callId: calls[0]!.callId }], nextAttemptAt: null });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it('a request outside its window is armed for the window\'s next opening, in the window\'s time zone', async () => {
    // A window opening at the minute two hours from now, China time, for an hour.
    const opens = Math.ceil((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
    const clock = (t: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);

    const view = await createRequest(bundle, { call: tts(), window: { from: clock(opens), to: clock(opens + 3_600_000) } });

    expect(view).toMatchObject({ status: 'scheduled', nextAttemptAt: new Date(opens).toISOString(), window: { from: clock(opens), to: clock(opens + 3_600_000), timeZone: 'Asia/Shanghai' } });
    expect(pendingSchedule(bundle, view.requestId).armed.at).toBe(opens);
    expect(bundle.sandbox.control.calls()).toEqual([]);
    await cancelRequest(bundle, view.requestId);
  });

  it('a schedule never falls due before its attempt may be placed (Scheduler fires anywhere in the minute it names)', async () => {
    // A notBefore 0.9 s past a whole second, far enough ahead not to be moved to Scheduler's minimum lead.
    const notBefore = Math.floor((Date.now() + 90_000) / 1000) * 1000 + 900;

    const view = await createRequest(bundle, { call: tts(), notBefore: new Date(notBefore).toISOString() });

    expect(Date.parse(pendingSchedule(bundle, view.requestId).dueAt)).toBeGreaterThanOrEqual(notBefore);
    expect((await cancelRequest(bundle, view.requestId)).status).toBe(200);
  });

  it('an attempt fired several times, at once and later, is placed once', async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number), notBefore: fromNow(1_000) });
    const { armed } = pendingSchedule(bundle, view.requestId);
    await waitUntil(view.notBefore);

    // Scheduler's retry and a redelivery racing each other, and the stand-in firing it too.
    const [results] = await Promise.all([
      Promise.all([bundle.handlers.attempt(armed), bundle.handlers.attempt(armed), bundle.handlers.attempt(armed)]),
      fire(bundle, view.requestId),
    ]);
    const again = await bundle.handlers.attempt(armed);

    expect(sandboxCallsTo(bundle, number)).toHaveLength(1);
    for (const result of [...results, again]) expect(['in-progress', 'scheduled']).toContain(result.status);
    expect(again.status).toBe('in-progress');
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'in-progress', attempts: [{ attempt: 1, callId: sandboxCallsTo(bundle, number)[0]!.callId }] });
  });

  it('a firing for another time, another attempt or an unknown request changes nothing', async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number), notBefore: fromNow(3_600_000) });
    const { armed } = pendingSchedule(bundle, view.requestId);

    expect(await bundle.handlers.attempt({ ...armed, at: armed.at - 60_000 })).toEqual({ status: 'scheduled' });
    expect(await bundle.handlers.attempt({ ...armed, attempt: 2 })).toEqual({ status: 'scheduled' });
    expect(await bundle.handlers.attempt({ ...armed, requestId: 'cr_AAAAAAAAAAAAAAAAAAAAAA' })).toEqual({ status: 'unknown' });
    expect(await readRequest(bundle, view.requestId)).toEqual(view);
    // Its own attempt, fired an hour early (a clock gone wrong): not placed, still due, and armed for
    // its time again under a name of its own, since the schedule that fired deletes itself once its
    // invocation ends (invoked directly here, that one stays: whichever fires first places it).
    const firedName = pendingSchedule(bundle, view.requestId).name;
    expect(await bundle.handlers.attempt(armed)).toEqual({ status: 'scheduled' });

    expect(sandboxCallsTo(bundle, number)).toEqual([]);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'scheduled', attempts: [], nextAttemptAt: view.nextAttemptAt });
    const schedules = schedulesOf(bundle, view.requestId);
    expect(schedules.map((schedule) => schedule.armed)).toEqual([armed, armed]);
    expect(schedules.map((schedule) => schedule.name)).toContain(firedName);
    expect(new Set(schedules.map((schedule) => schedule.name)).size).toBe(2);
    await cancelRequest(bundle, view.requestId);
  });

  it('a schedule that fires before its attempt may be placed arms it again for its time, and it is placed then, once', async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number), notBefore: fromNow(6_000) });
    const early = pendingSchedule(bundle, view.requestId);

    // The stand-in runs its clock to the schedule's minute; the attempt reads the real one, before notBefore.
    await fire(bundle, view.requestId);

    expect(sandboxCallsTo(bundle, number)).toEqual([]);
    const rearmed = pendingSchedule(bundle, view.requestId);
    expect(rearmed.armed).toEqual(early.armed);
    expect(rearmed.name).not.toBe(early.name);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'scheduled', nextAttemptAt: view.notBefore, attempts: [] });

    await waitUntil(view.notBefore);
    await fire(bundle, view.requestId);

    expect(sandboxCallsTo(bundle, number)).toHaveLength(1);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'in-progress', attempts: [{ attempt: 1 }] });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it('a number Alibaba refuses ends the request refused, with its code', async () => {
    const view = await createRequest(bundle, { call: tts('13900000001'), redial: { on: ['failed'], maxAttempts: 3, intervalSeconds: 60 } });

    expect(view).toMatchObject({ status: 'refused', attempts: [], nextAttemptAt: null, reason: expect.stringContaining('isv.MOBILE_NUMBER_ILLEGAL') });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it('Alibaba unavailable: the same attempt is tried again a minute later, armed in the scheduler', async () => {
    const before = Date.now();

    const view = await createRequest(bundle, { call: tts('13900000005') });

    expect(view).toMatchObject({ status: 'scheduled', attempts: [], reason: expect.stringContaining('isp.SYSTEM_ERROR') });
    expect(Date.parse(view.nextAttemptAt)).toBeGreaterThanOrEqual(before + 60_000);
    expect(pendingSchedule(bundle, view.requestId).armed).toEqual({ requestId: view.requestId, attempt: 1, at: Date.parse(view.nextAttemptAt) });
    await cancelRequest(bundle, view.requestId);
  });
});

describe('POST /call-requests: bad input', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['until acknowledged on a call that is not IVR', { call: tts(), until: 'acknowledged', acknowledgeKeys: ['1'] }, 'until'],
    ['an acknowledge key that is not in the menu', { call: ivr(), until: 'acknowledged', acknowledgeKeys: ['3'] }, 'acknowledgeKeys.0'],
    ['redial.on with until acknowledged', { call: ivr(), until: 'acknowledged', acknowledgeKeys: ['1'], redial: { on: ['busy'], maxAttempts: 2, intervalSeconds: 60 } }, 'redial.on'],
    ['maxAttempts over 1 without redial.on', { call: tts(), redial: { maxAttempts: 3, intervalSeconds: 60 } }, 'redial.on'],
    ['notBefore more than 30 days ahead', { call: tts(), notBefore: fromNow(31 * 86_400_000) }, 'notBefore'],
    ['notAfter in the past', { call: tts(), notAfter: fromNow(-1_000) }, 'notAfter'],
    ['notAfter before notBefore', { call: tts(), notBefore: fromNow(7_200_000), notAfter: fromNow(3_600_000) }, 'notAfter'],
    ['a window that never opens before notAfter', { call: tts(), window: { from: '09:00', to: '10:00', days: [weekdayIn(2)] }, notAfter: fromNow(60_000) }, 'notAfter'],
    ['an empty window', { call: tts(), window: { from: '09:00', to: '09:00' } }, 'window.to'],
    ['a time zone that does not exist', { call: tts(), window: { from: '09:00', to: '20:00', timeZone: 'China/Beijing' } }, 'window.timeZone'],
    ['a day named twice', { call: tts(), window: { from: '09:00', to: '20:00', days: ['sat', 'sat'] } }, 'window.days'],
    ['a bad call body', { call: { ...tts(), calledNumber: 'not-a-number' } }, 'call.calledNumber'],
    ['an unknown field', { call: tts(), retries: 3 }, 'retries'],
  ])('%s: 400 naming %s... and nothing reaches Alibaba or the table', async (_name, body, path) => {
    const stored = (await storedRequests(bundle)).length;

    const response = await postCallRequest(bundle, body);

    expectValidationProblem(response, 400, path);
    expect(bundle.sandbox.control.requests()).toEqual([]);
    expect(await storedRequests(bundle)).toHaveLength(stored);
  });

  it('a body that is not JSON, and an Idempotency-Key that is not one, are 400', async () => {
    expectProblem(await postCallRequest(bundle, '{"call":', { 'content-type': 'application/json' }), 400, 'VALIDATION_FAILED');
    expectValidationProblem(await postCallRequest(bundle, { call: tts() }, { 'idempotency-key': 'é'.repeat(3) }), 400, 'header.idempotency-key');
    expect(bundle.sandbox.control.requests()).toEqual([]);
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body return the same request, placed once', async () => {
    const number = freshNumber();
    const body = { call: tts(number) };
    const key = { 'idempotency-key': `order-${number}` };

    const first = await postCallRequest(bundle, body, key);
    const second = await postCallRequest(bundle, body, key);

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.body.requestId).toBe(first.body.requestId);
    expect(second.body.attempts).toEqual(first.body.attempts);
    expect(sandboxCallsTo(bundle, number)).toHaveLength(1);
    // Another key is another request.
    expect((await createRequest(bundle, { call: tts() }, { 'idempotency-key': `other-${number}` })).requestId).not.toBe(first.body.requestId);
  });

  it('the same key with another body is 422, and nothing is placed', async () => {
    const number = freshNumber();
    const key = { 'idempotency-key': `reused-${number}` };
    const first = await createRequest(bundle, { call: tts(number), notBefore: fromNow(3_600_000) }, key);

    const response = await postCallRequest(bundle, { call: tts(number), notBefore: fromNow(7_200_000) }, key);

    expectProblem(response, 422, 'IDEMPOTENCY_CONFLICT');
    expect(sandboxCallsTo(bundle, number)).toEqual([]);
    expect(await readRequest(bundle, first.requestId)).toEqual(first);
    await cancelRequest(bundle, first.requestId);
  });
});

describe('GET /call-requests/{requestId}', () => {
  it('an unknown request is 404; a malformed id is 400 naming the path parameter', async () => {
    expectProblem(await getRequest(bundle, 'cr_AAAAAAAAAAAAAAAAAAAAAA'), 404, 'NOT_FOUND');
    expectValidationProblem(await getRequest(bundle, 'REQUEST#1'), 400, 'path.requestId');
  });
});

describe('POST /call-requests/{requestId}/cancel', () => {
  it('removes the pending schedule; the request is cancelled, and cancelling again changes nothing', async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number), notBefore: fromNow(3_600_000) });
    expect(schedulesOf(bundle, view.requestId)).toHaveLength(1);

    const response = await cancelRequest(bundle, view.requestId);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ requestId: view.requestId, cancelled: true, status: 'cancelled' });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'cancelled', nextAttemptAt: null, attempts: [] });
    expect((await cancelRequest(bundle, view.requestId)).body).toEqual({ requestId: view.requestId, cancelled: false, status: 'cancelled' });
    expect(sandboxCallsTo(bundle, number)).toEqual([]);
  });

  it('cancels a click-to-dial attempt in progress at Alibaba too (CancelCall), and its last receipt leaves the request cancelled', async () => {
    // Receipts two seconds apart: the call is still going when it is cancelled.
    bundle.sandbox.control.setReceiptSettings({ receiptDelayMs: 2_000 });
    const number = freshNumber();
    const clickToDial = { type: 'clickToDial', callerShowNumber: '057100000001', callerNumber: '13900139000', calledShowNumber: '057100000000', calledNumber: number };
    const view = await createRequest(bundle, { call: clickToDial, redial: { on: ['failed', 'no-answer'], maxAttempts: 3, intervalSeconds: 60 } });
    expect(view.status).toBe('in-progress');
    const callId = view.attempts[0].callId as string;

    const response = await cancelRequest(bundle, view.requestId);

    expect(response.body).toEqual({ requestId: view.requestId, cancelled: true, status: 'cancelled' });
    expect(bundle.sandbox.control.requests().filter((request) => request.action === 'CancelCall').map((request) => request.params.CallId)).toEqual([callId]);
    expect(sandboxCallsTo(bundle, number)).toMatchObject([{ callId, cancelled: true }]);
    await eventually(() => bundle.sandbox.control.queues().every((queue) => queue.delayed === 0), 15_000, 'the cancelled call’s last receipt');
    await bundle.settle();
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'cancelled', attempts: [{ attempt: 1, callId, status: 'cancelled' }], nextAttemptAt: null });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it('a click-to-dial attempt still on its way to Alibaba when the request is cancelled is cancelled once it has a CallId', async () => {
    bundle.sandbox.control.setReceiptSettings({ receiptDelayMs: 2_000 });
    const number = freshNumber();
    const clickToDial = { type: 'clickToDial', callerShowNumber: '057100000001', callerNumber: '13900139000', calledShowNumber: '057100000000', calledNumber: number };
    const view = await createRequest(bundle, { call: clickToDial, notBefore: fromNow(1_000) });
    const { armed } = pendingSchedule(bundle, view.requestId);
    await waitUntil(view.notBefore);
    // Alibaba takes a second and a half to answer this ClickToDial.
    bundle.sandbox.control.addFault({ target: 'rpc', action: 'ClickToDial', latencyMs: 1_500 });
    const attempt = bundle.handlers.attempt(armed);
    await eventually(() => bundle.sandbox.control.requests().some((request) => request.action === 'ClickToDial'), 15_000, 'the ClickToDial request at Alibaba');

    // Cancelled meanwhile: there is no CallId to cancel yet.
    expect((await cancelRequest(bundle, view.requestId)).body).toEqual({ requestId: view.requestId, cancelled: true, status: 'cancelled' });
    expect(await attempt).toEqual({ status: 'cancelled' });

    const [call] = sandboxCallsTo(bundle, number);
    expect(bundle.sandbox.control.requests().filter((request) => request.action === 'CancelCall').map((request) => request.params.CallId)).toEqual([call!.callId]);
    expect(call).toMatchObject({ cancelled: true });
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'cancelled', attempts: [{ attempt: 1, callId: call!.callId }] });
  });

  it('an attempt of another kind in progress is left to finish: no CancelCall', async () => {
    const view = await createRequest(bundle, { call: tts() });

    expect((await cancelRequest(bundle, view.requestId)).body).toMatchObject({ cancelled: true, status: 'cancelled' });
    expect(bundle.sandbox.control.requests().filter((request) => request.action === 'CancelCall')).toEqual([]);
  });

  it('an unknown request is 404; a malformed id is 400', async () => {
    expectProblem(await cancelRequest(bundle, 'cr_BBBBBBBBBBBBBBBBBBBBBB'), 404, 'NOT_FOUND');
    expectValidationProblem(await cancelRequest(bundle, 'cr_short'), 400, 'path.requestId');
  });
});

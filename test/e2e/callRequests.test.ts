/**
 * The worked examples of docs/call-requests.md#worked-examples, run as a user runs them: `npm start`,
 * then curl-like requests against the sandbox. Each request is followed through GET
 * /call-requests/{id} until it ends, its attempts placed by the local EventBridge Scheduler
 * (scripts/local/scheduler.ts) and moved on by the calls table's stream (processCallChanges), as
 * deployed. The redials take real minutes (intervalSeconds is at least 60), so the examples run side by side.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, STARTUP_TIMEOUT_MS, type LocalStack } from '../support/localStack.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const execFileAsync = promisify(execFile);

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ SANDBOX_RECEIPT_DELAY_MS: '500' });
}, STARTUP_TIMEOUT_MS + 10_000);

afterAll(() => stack?.stop());

interface Attempt {
  attempt: number;
  callId?: string;
  placedAt?: string;
  status: string;
  dtmf?: string;
}

interface CallRequestView {
  requestId: string;
  status: string;
  attempts: Attempt[];
  nextAttemptAt: string | null;
  reason?: string;
  [field: string]: unknown;
}

async function createCallRequest(body: unknown, idempotencyKey?: string): Promise<{ status: number; location: string | null; view: CallRequestView }> {
  const response = await fetch(`${stack.api}/call-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, location: response.headers.get('location'), view: (await response.json()) as CallRequestView };
}

async function getCallRequest(requestId: string): Promise<CallRequestView> {
  const response = await fetch(`${stack.api}/call-requests/${requestId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as CallRequestView;
}

const FINAL = new Set(['succeeded', 'exhausted', 'expired', 'cancelled', 'refused']);

/** Reads the request until it has ended (or the time is up), as a user would poll it. */
async function untilEnded(requestId: string, timeoutMs: number): Promise<CallRequestView> {
  const deadline = Date.now() + timeoutMs;
  let view = await getCallRequest(requestId);
  while (!FINAL.has(view.status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    view = await getCallRequest(requestId);
  }
  return view;
}

interface BusEvent {
  'detail-type': string;
  detail: Record<string, unknown>;
}

async function requestEvents(requestId: string): Promise<BusEvent[]> {
  const events = (await (await fetch(`http://127.0.0.1:${stack.ports.eventbridge}/events`)).json()) as BusEvent[];
  return events.filter((event) => event['detail-type'] === 'Voice Call Request Changed' && event.detail.requestId === requestId);
}

/** Events reach the local bus a moment after the change: polls until `status` is among them. */
async function requestEventsUntil(requestId: string, status: string): Promise<BusEvent[]> {
  const deadline = Date.now() + 30_000;
  let events = await requestEvents(requestId);
  while (!events.some((event) => event.detail.status === status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    events = await requestEvents(requestId);
  }
  return events;
}

const FOLLOW_MS = 9 * 60_000;

describe('the worked examples of docs/call-requests.md against npm start', () => {
  it(
    'places a verification code now, the delivery reminder tomorrow (and cancels it), redials a reminder nobody answers, and an on-call alert until 1 is pressed',
    async () => {
      // 1. A verification code, now: placed before the answer, then answered.
      const code = { call: { type: 'tts', calledNumber: '13900000010', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } } };
      const now = await createCallRequest(code, 'signup-8841-code');
      expect(now.status).toBe(202);
      expect(now.location).toBe(`/call-requests/${now.view.requestId}`);
      expect(now.view.requestId).toMatch(/^cr_[A-Za-z0-9_-]{22}$/);
      expect(now.view.status).toBe('in-progress');
      expect(now.view.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'placed', callId: expect.stringContaining('^') })]);
      // The same key and body: the same request, nothing placed again.
      const again = await createCallRequest(code, 'signup-8841-code');
      expect(again.status).toBe(202);
      expect(again.view.requestId).toBe(now.view.requestId);

      // 2. The delivery reminder: the shell block of docs/call-requests.md as written, tomorrow 09:00-20:00 China time.
      const tomorrow = new Date(Date.now() + 8 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
      const block = /<!-- example: delivery-reminder[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'docs/call-requests.md'), 'utf8'))?.[1];
      expect(block, 'the delivery-reminder block of docs/call-requests.md').toBeDefined();
      expect(block).toContain('http://127.0.0.1:3000/call-requests');
      const { stdout } = await execFileAsync('bash', ['-c', block!.replaceAll('http://127.0.0.1:3000', stack.api)], { timeout: 30_000 });
      const reminder = { view: JSON.parse(stdout) as Record<string, any> };
      expect(reminder.view).toMatchObject({
        status: 'scheduled',
        attempts: [],
        notBefore: new Date(`${tomorrow}T01:00:00Z`).toISOString(),
        notAfter: new Date(`${tomorrow}T12:00:00Z`).toISOString(),
        nextAttemptAt: new Date(`${tomorrow}T01:00:00Z`).toISOString(),
      });
      const schedules = async () =>
        ((await (await fetch(`http://127.0.0.1:${stack.ports.scheduler}/__scheduler/schedules`)).json()) as Array<{ name: string; dueAt: string }>).filter((schedule) =>
          schedule.name.startsWith(reminder.view.requestId),
        );
      expect(await schedules()).toEqual([expect.objectContaining({ dueAt: `${tomorrow}T01:00:00Z` })]);
      const cancel = await fetch(`${stack.api}/call-requests/${reminder.view.requestId}/cancel`, { method: 'POST' });
      expect(await cancel.json()).toEqual({ requestId: reminder.view.requestId, cancelled: true, status: 'cancelled' });
      expect(await schedules()).toEqual([]);
      const cancelAgain = await fetch(`${stack.api}/call-requests/${reminder.view.requestId}/cancel`, { method: 'POST' });
      expect(await cancelAgain.json()).toEqual({ requestId: reminder.view.requestId, cancelled: false, status: 'cancelled' });

      // 2b. The same reminder played out now: a window open all day, nobody answers, three attempts.
      const unanswered = await createCallRequest({
        call: { type: 'voice', calledNumber: '13900000012', voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav' },
        window: { from: '00:00', to: '23:59' },
        redial: { on: ['no-answer', 'busy'], maxAttempts: 3, intervalSeconds: 60 },
      });
      // 3. The on-call alert: 13900000022 presses the first key from its third call.
      const alert = await createCallRequest({
        call: { type: 'ivr', calledNumber: '13900000022', calledShowNumber: '057100000000', startCode: 'TTS_10001', menuKeyMap: [{ key: '1', code: 'TTS_20001' }] },
        until: 'acknowledged',
        acknowledgeKeys: ['1'],
        redial: { maxAttempts: 5, intervalSeconds: 60 },
      });
      expect([unanswered.status, alert.status]).toEqual([202, 202]);

      const [answered, exhausted, acknowledged] = await Promise.all([
        untilEnded(now.view.requestId, FOLLOW_MS),
        untilEnded(unanswered.view.requestId, FOLLOW_MS),
        untilEnded(alert.view.requestId, FOLLOW_MS),
      ]);

      expect(answered.status).toBe('succeeded');
      expect(answered.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'completed' })]);

      expect(exhausted).toMatchObject({ status: 'exhausted', reason: 'all 3 attempts were made', nextAttemptAt: null });
      expect(exhausted.attempts.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
        [1, 'no-answer'],
        [2, 'no-answer'],
        [3, 'no-answer'],
      ]);
      // Each redial at least the interval after the previous attempt (its outcome came later still).
      for (let index = 1; index < exhausted.attempts.length; index++) {
        expect(Date.parse(exhausted.attempts[index]!.placedAt!) - Date.parse(exhausted.attempts[index - 1]!.placedAt!)).toBeGreaterThanOrEqual(60_000);
      }
      expect(new Set(exhausted.attempts.map((attempt) => attempt.callId)).size).toBe(3);

      expect(acknowledged.status).toBe('succeeded');
      expect(acknowledged.attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.dtmf])).toEqual([
        [1, 'completed', undefined],
        [2, 'completed', undefined],
        [3, expect.any(String), '1'],
      ]);

      // Each attempt's call names its request.
      const call = await (await fetch(`${stack.api}/calls/${encodeURIComponent(acknowledged.attempts[2]!.callId!)}`)).json();
      expect(call).toMatchObject({ callRequestId: alert.view.requestId, attempt: 3 });

      // Every status change was published, the last one the success.
      const events = await requestEventsUntil(alert.view.requestId, 'succeeded');
      const statuses = events.map((event) => event.detail.status);
      expect(statuses.at(-1)).toBe('succeeded');
      expect(statuses).toEqual(expect.arrayContaining(['in-progress', 'scheduled', 'succeeded']));
      expect(new Set(events.map((event) => event.detail.dedupeKey)).size).toBe(events.length);
    },
    FOLLOW_MS + 60_000,
  );
});

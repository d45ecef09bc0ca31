/**
 * The EventBridge Scheduler adapter (shared/scheduling/eventBridgeScheduler.ts) speaks Scheduler's
 * REST API with a signed fetch. Here it talks to the local Scheduler (scripts/local/scheduler.ts),
 * which the official @aws-sdk/client-scheduler is tested against (test/unit/scripts/localScheduler.test.ts),
 * and to a bare HTTP server answering what Scheduler answers when it fails.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalScheduler, type LocalScheduler } from '../../../scripts/local/scheduler.ts';
import { scheduleNameOf } from '#shared/callRequests/ports';
import { EventBridgeAttemptScheduler, scheduleTimeOf, type ScheduleTarget } from '#shared/scheduling/eventBridgeScheduler';

const NOW = Date.parse('2026-12-06T10:00:20.000Z');
const TARGET: ScheduleTarget = {
  groupName: 'aliyun-voice-test',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:aliyun-voice-test-attemptCallRequest',
  roleArn: 'arn:aws:iam::000000000000:role/aliyun-voice-test-us-east-1-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:aliyun-voice-test-call-request-attempts-dlq',
};
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
const ARMED = { requestId: 'cr_3mF0Qb0d1yL2vJk8a9XkQw', attempt: 2, at: Date.parse('2026-12-06T10:05:30.000Z') };

let local: LocalScheduler | undefined;
let server: Server | undefined;

afterEach(async () => {
  await local?.close();
  local = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function adapterFor(endpoint: string, target: ScheduleTarget = TARGET): EventBridgeAttemptScheduler {
  return new EventBridgeAttemptScheduler(target, { endpoint, region: 'us-east-1', credentials: CREDENTIALS, now: () => NOW });
}

async function startLocal(): Promise<LocalScheduler> {
  local = await startLocalScheduler({ port: 0, now: () => NOW, pollIntervalMs: 3_600_000, print: () => undefined, invoke: async () => undefined });
  return local;
}

/** An HTTP server answering every request with `answer(n)` (n from 1), recording what it got. */
async function failingScheduler(answer: (n: number) => { status: number; type: string }): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  server = createServer((request, response) => {
    requests.push(request);
    request.resume();
    request.on('end', () => {
      const { status, type } = answer(requests.length);
      response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ Message: `${type} from the test` }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, requests };
}

describe('scheduleTimeOf', () => {
  it('is the whole minute at or after the attempt, so a minute-precise Scheduler never fires it early', () => {
    expect(scheduleTimeOf(Date.parse('2026-12-06T10:05:00.000Z'), NOW)).toBe(Date.parse('2026-12-06T10:05:00.000Z'));
    expect(scheduleTimeOf(Date.parse('2026-12-06T10:05:00.001Z'), NOW)).toBe(Date.parse('2026-12-06T10:06:00.000Z'));
    expect(scheduleTimeOf(Date.parse('2026-12-06T10:05:30.000Z'), NOW)).toBe(Date.parse('2026-12-06T10:06:00.000Z'));
  });

  it('arms an attempt due now (or overdue) at least five seconds ahead: Scheduler refuses times in the past', () => {
    expect(scheduleTimeOf(NOW - 3_600_000, NOW)).toBe(Date.parse('2026-12-06T10:01:00.000Z'));
    expect(scheduleTimeOf(Date.parse('2026-12-06T10:00:56.000Z'), Date.parse('2026-12-06T10:00:56.000Z'))).toBe(Date.parse('2026-12-06T10:02:00.000Z'));
  });
});

describe('EventBridgeAttemptScheduler against the local Scheduler', () => {
  it('creates a one-time schedule in the group, at the next whole minute in UTC, that invokes the attempt function with the attempt and deletes itself', async () => {
    const scheduler = await startLocal();
    const name = scheduleNameOf(ARMED);

    await adapterFor(scheduler.url).arm(ARMED, name);

    expect(scheduler.schedules()).toEqual([
      expect.objectContaining({
        name,
        groupName: TARGET.groupName,
        scheduleExpression: 'at(2026-12-06T10:06:00)',
        scheduleExpressionTimezone: 'UTC',
        dueAt: '2026-12-06T10:06:00Z',
        state: 'ENABLED',
        actionAfterCompletion: 'DELETE',
        description: `call request ${ARMED.requestId}, attempt 2`,
        target: expect.objectContaining({
          Arn: TARGET.functionArn,
          RoleArn: TARGET.roleArn,
          Input: JSON.stringify(ARMED),
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3_600 },
          DeadLetterConfig: { Arn: TARGET.deadLetterArn },
        }),
      }),
    ]);
  });

  it('arming the same attempt again (a retry, the sweeper) creates nothing new; disarming twice is fine', async () => {
    const scheduler = await startLocal();
    const adapter = adapterFor(scheduler.url);
    const name = scheduleNameOf(ARMED);

    await adapter.arm(ARMED, name);
    await adapter.arm(ARMED, name);
    expect(scheduler.schedules().map((schedule) => schedule.name)).toEqual([name]);

    await adapter.disarm(name);
    expect(scheduler.schedules()).toEqual([]);
    await expect(adapter.disarm(name)).resolves.toBeUndefined();
  });

  it('omits the dead-letter queue when the stage has none', async () => {
    const scheduler = await startLocal();
    const { deadLetterArn: _none, ...withoutDlq } = TARGET;

    await adapterFor(scheduler.url, withoutDlq).arm(ARMED, scheduleNameOf(ARMED));

    expect(scheduler.schedules()[0]!.target.DeadLetterConfig).toBeUndefined();
  });
});

describe('EventBridgeAttemptScheduler when Scheduler fails', () => {
  it('tries a throttled or failing CreateSchedule three times, then throws naming the error', async () => {
    const failing = await failingScheduler(() => ({ status: 429, type: 'ThrottlingException' }));

    await expect(adapterFor(failing.url).arm(ARMED, scheduleNameOf(ARMED))).rejects.toThrow(/Scheduler CreateSchedule failed: ThrottlingException \(HTTP 429\)/);
    expect(failing.requests).toHaveLength(3);
    expect(failing.requests[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/scheduler\/aws4_request/);
  });

  it('succeeds when a retry gets through', async () => {
    const failing = await failingScheduler((n) => (n === 1 ? { status: 500, type: 'InternalServerException' } : { status: 200, type: '' }));

    await expect(adapterFor(failing.url).arm(ARMED, scheduleNameOf(ARMED))).resolves.toBeUndefined();
    expect(failing.requests).toHaveLength(2);
  });

  it('does not retry what cannot succeed (ValidationException, AccessDenied)', async () => {
    for (const [status, type] of [
      [400, 'ValidationException'],
      [403, 'AccessDeniedException'],
    ] as const) {
      const failing = await failingScheduler(() => ({ status, type }));
      await expect(adapterFor(failing.url).arm(ARMED, scheduleNameOf(ARMED))).rejects.toThrow(type);
      expect(failing.requests, type).toHaveLength(1);
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    }
  });
});

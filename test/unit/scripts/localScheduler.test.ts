/**
 * The local EventBridge Scheduler (scripts/local/scheduler.ts) is only worth anything if the official
 * @aws-sdk/client-scheduler works against it unchanged, it refuses what the service refuses, and it
 * fires one-time schedules as the service does: at their time in their time zone, exactly once, with
 * Target.Input as the event, retrying failed invocations as the RetryPolicy allows, deleting them
 * afterwards when asked. Most tests move a controllable clock and call fireDue(); the polling loop
 * itself fires the 1,000 schedules due in one minute and, on the real clock, a schedule a second away.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalScheduler, type LocalScheduler, type LocalSchedulerOptions } from '../../../scripts/local/scheduler.ts';

const START = Date.parse('2026-11-24T15:41:00.000Z');
const FUNCTION = 'aliyun-voice-dev-attemptCallRequest';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${FUNCTION}`;
const ROLE_ARN = 'arn:aws:iam::000000000000:role/aliyun-voice-dev-scheduler';

interface Invocation {
  functionName: string;
  payload: unknown;
}

interface Harness {
  scheduler: LocalScheduler;
  client: SchedulerClient;
  clock: { now: number };
  invocations: Invocation[];
  printed: string[];
  /** What the fake invoke does next; default: succeeds. */
  invoke: (invocation: Invocation) => Promise<unknown>;
}

let harness: Harness | undefined;

/** A scheduler on a free port with a controllable clock; no polling unless `pollIntervalMs` says so. */
async function start(options: Partial<LocalSchedulerOptions> = {}): Promise<Harness> {
  const clock = { now: START };
  const invocations: Invocation[] = [];
  const printed: string[] = [];
  const scheduler = await startLocalScheduler({
    now: () => clock.now,
    print: (line) => printed.push(line),
    pollIntervalMs: 3_600_000,
    retryDelayMs: () => 1,
    invoke: (functionName, payload) => {
      const invocation = { functionName, payload };
      invocations.push(invocation);
      return harness!.invoke(invocation);
    },
    ...options,
  });
  const client = new SchedulerClient({ endpoint: scheduler.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  harness = { scheduler, client, clock, invocations, printed, invoke: async () => undefined };
  return harness;
}

afterEach(async () => {
  harness?.client.destroy();
  await harness?.scheduler.close();
  harness = undefined;
});

/** A one-time schedule `secondsFromStart` after START (UTC), invoking FUNCTION with `{ n }`. */
const schedule = (name: string, secondsFromStart: number, extra: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: name,
  GroupName: 'aliyun-voice-dev-call-requests',
  ScheduleExpression: `at(${new Date(START + secondsFromStart * 1000).toISOString().slice(0, 19)})`,
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ name }) },
  ActionAfterCompletion: 'DELETE',
  ...extra,
});

describe('local scheduler with the official Scheduler client', () => {
  it('creates a schedule and answers GetSchedule with what it was given', async () => {
    const { client } = await start();
    const created = await client.send(
      new CreateScheduleCommand(
        schedule('request-1-attempt-1', 60, {
          ScheduleExpressionTimezone: 'Asia/Shanghai',
          Description: 'call request 1, attempt 1',
          ActionAfterCompletion: 'NONE',
          Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"requestId":"1"}', RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 } },
        }),
      ),
    );
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/aliyun-voice-dev-call-requests/request-1-attempt-1');

    const got = await client.send(new GetScheduleCommand({ Name: 'request-1-attempt-1', GroupName: 'aliyun-voice-dev-call-requests' }));
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 'request-1-attempt-1',
      GroupName: 'aliyun-voice-dev-call-requests',
      ScheduleExpression: 'at(2026-11-24T15:42:00)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      Description: 'call request 1, attempt 1',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"requestId":"1"}', RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 } },
    });
    expect(got.CreationDate).toEqual(new Date(START));
    expect(got.LastModificationDate).toEqual(new Date(START));

    // Without a group: the default group.
    const plain = await client.send(new CreateScheduleCommand({ ...schedule('plain', 60), GroupName: undefined }));
    expect(plain.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/default/plain');
    await expect(client.send(new GetScheduleCommand({ Name: 'plain' }))).resolves.toMatchObject({ GroupName: 'default' });
  });

  it('refuses a second schedule of the same name in the group (409), but not a retry with the same ClientToken', async () => {
    const { client, scheduler } = await start();
    const first = await client.send(new CreateScheduleCommand(schedule('same', 60, { ClientToken: 'token-1' })));

    const conflict = client.send(new CreateScheduleCommand(schedule('same', 120)));
    await expect(conflict).rejects.toBeInstanceOf(ConflictException);
    await expect(conflict).rejects.toMatchObject({ $metadata: { httpStatusCode: 409 }, message: 'Schedule same already exists.' });
    await expect(client.send(new CreateScheduleCommand(schedule('same', 60, { ClientToken: 'token-1' })))).resolves.toEqual(
      expect.objectContaining({ ScheduleArn: first.ScheduleArn }),
    );
    // The same name in another group is another schedule.
    await client.send(new CreateScheduleCommand(schedule('same', 60, { GroupName: 'other' })));
    expect(scheduler.schedules().map((entry) => `${entry.groupName}/${entry.name}:${entry.dueAt}`)).toEqual([
      'aliyun-voice-dev-call-requests/same:2026-11-24T15:42:00Z',
      'other/same:2026-11-24T15:42:00Z',
    ]);
  });

  it('deletes a schedule; an unknown one is ResourceNotFoundException (404)', async () => {
    const { client } = await start();
    await client.send(new CreateScheduleCommand(schedule('gone', 60)));
    await client.send(new DeleteScheduleCommand({ Name: 'gone', GroupName: 'aliyun-voice-dev-call-requests' }));

    const get = client.send(new GetScheduleCommand({ Name: 'gone', GroupName: 'aliyun-voice-dev-call-requests' }));
    await expect(get).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(get).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 }, message: 'Schedule gone does not exist.' });
    await expect(client.send(new DeleteScheduleCommand({ Name: 'gone', GroupName: 'aliyun-voice-dev-call-requests' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    // Names are per group.
    await client.send(new CreateScheduleCommand(schedule('kept', 60)));
    await expect(client.send(new DeleteScheduleCommand({ Name: 'kept', GroupName: 'default' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('lists schedules by group, name prefix and state, page by page', async () => {
    const { client } = await start();
    for (const name of ['req-3', 'req-1', 'req-2', 'other-1']) await client.send(new CreateScheduleCommand(schedule(name, 60)));
    await client.send(new CreateScheduleCommand(schedule('req-4', 60, { State: 'DISABLED' })));
    await client.send(new CreateScheduleCommand(schedule('req-5', 60, { GroupName: 'elsewhere' })));

    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListSchedulesCommand({ GroupName: 'aliyun-voice-dev-call-requests', NamePrefix: 'req-', MaxResults: 2, NextToken: token }));
      names.push(...(page.Schedules ?? []).map((entry) => entry.Name!));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(names).toEqual(['req-1', 'req-2', 'req-3', 'req-4']);
    expect(pages).toBe(2);

    const disabled = await client.send(new ListSchedulesCommand({ State: 'DISABLED' }));
    expect(disabled.Schedules).toEqual([
      {
        Arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/aliyun-voice-dev-call-requests/req-4',
        Name: 'req-4',
        GroupName: 'aliyun-voice-dev-call-requests',
        State: 'DISABLED',
        CreationDate: new Date(START),
        LastModificationDate: new Date(START),
        Target: { Arn: FUNCTION_ARN },
      },
    ]);
    expect((await client.send(new ListSchedulesCommand({}))).Schedules).toHaveLength(6);
    await expect(client.send(new ListSchedulesCommand({ MaxResults: 101 }))).rejects.toBeInstanceOf(ValidationException);
    await expect(client.send(new ListSchedulesCommand({ NextToken: 'not-a-token' }))).rejects.toBeInstanceOf(ValidationException);
  });

  it('refuses what CreateSchedule refuses, as a ValidationException naming the field', async () => {
    const { client, scheduler } = await start();
    const refused = async (input: CreateScheduleCommandInput, words: string) => {
      const creation = client.send(new CreateScheduleCommand(input));
      await expect(creation, words).rejects.toBeInstanceOf(ValidationException);
      await expect(creation, words).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 }, message: expect.stringContaining(words) });
    };

    await refused(schedule('has space', 60), "at 'name'");
    await refused(schedule('x'.repeat(65), 60), "at 'name'");
    await refused(schedule('ok', 60, { GroupName: 'bad/group' }), "at 'groupName'");
    await refused(schedule('ok', 60, { ScheduleExpression: 'at(2026-13-01T00:00:00)' }), 'Invalid Schedule Expression at(2026-13-01T00:00:00)');
    await refused(schedule('ok', 60, { ScheduleExpression: 'at(2026-02-30T00:00:00)' }), 'Invalid Schedule Expression');
    await refused(schedule('ok', 60, { ScheduleExpression: 'at(2026-11-24 15:41:00)' }), 'Invalid Schedule Expression');
    await refused(schedule('ok', 60, { ScheduleExpression: 'rate(5 minutes)' }), 'one-time schedules only');
    await refused(schedule('ok', 60, { ScheduleExpression: 'cron(0 12 * * ? *)' }), 'one-time schedules only');
    await refused(schedule('ok', 60, { ScheduleExpressionTimezone: 'Mars/Olympus_Mons' }), 'Invalid time zone Mars/Olympus_Mons');
    await refused({ ...schedule('ok', 60), FlexibleTimeWindow: undefined }, "'flexibleTimeWindow'");
    await refused(schedule('ok', 60, { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }), 'MaximumWindowInMinutes');
    await refused(schedule('ok', 60, { Target: { Arn: FUNCTION_ARN, RoleArn: 'not-a-role' } }), "'target.roleArn'");
    await refused(schedule('ok', 60, { Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:queue', RoleArn: ROLE_ARN } }), 'invokes Lambda functions only');
    await refused(schedule('ok', 60, { Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: 'x'.repeat(8193) } }), "'target.input'");
    await refused(schedule('ok', 60, { Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 186 } } }), 'maximumRetryAttempts');
    await refused(schedule('ok', 60, { Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumEventAgeInSeconds: 59 } } }), 'maximumEventAgeInSeconds');
    await refused(schedule('ok', 60, { ActionAfterCompletion: 'KEEP' as 'NONE' }), "'actionAfterCompletion'");
    await refused(schedule('ok', 60, { State: 'PAUSED' as 'ENABLED' }), "at 'state'");
    expect(scheduler.schedules()).toEqual([]);

    // A qualified function ARN (alias or version) is a Lambda target too.
    await expect(client.send(new CreateScheduleCommand(schedule('qualified', 60, { Target: { Arn: `${FUNCTION_ARN}:live`, RoleArn: ROLE_ARN } })))).resolves.toBeDefined();
  });
});

describe('local scheduler firing', () => {
  it('invokes the target function at its time, once, with Input as the event and the context attributes filled in', async () => {
    const h = await start();
    const input = JSON.stringify({
      requestId: 'r-1',
      arn: '<aws.scheduler.schedule-arn>',
      at: '<aws.scheduler.scheduled-time>',
      execution: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
    });
    await h.client.send(new CreateScheduleCommand(schedule('on-time', 60, { ActionAfterCompletion: 'NONE', Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: input } })));

    expect(await h.scheduler.fireDue()).toBe(0);
    h.clock.now = START + 59_999;
    expect(await h.scheduler.fireDue()).toBe(0);
    expect(h.invocations).toEqual([]);

    h.clock.now = START + 60_000;
    expect(await h.scheduler.fireDue()).toBe(1);
    expect(h.invocations).toEqual([
      {
        functionName: FUNCTION,
        payload: {
          requestId: 'r-1',
          arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/aliyun-voice-dev-call-requests/on-time',
          at: '2026-11-24T15:42:00Z',
          execution: expect.stringMatching(/^[0-9a-f-]{36}$/),
          attempt: '1',
        },
      },
    ]);
    // ActionAfterCompletion NONE: kept, completed, never fired again.
    h.clock.now = START + 600_000;
    expect(await h.scheduler.fireDue()).toBe(0);
    expect(h.invocations).toHaveLength(1);
    expect(h.scheduler.schedules()).toEqual([expect.objectContaining({ name: 'on-time', status: 'completed', state: 'ENABLED' })]);
    await expect(h.client.send(new GetScheduleCommand({ Name: 'on-time', GroupName: 'aliyun-voice-dev-call-requests' }))).resolves.toMatchObject({ State: 'ENABLED' });
    expect(h.scheduler.fired()).toEqual([
      { name: 'on-time', groupName: 'aliyun-voice-dev-call-requests', functionName: FUNCTION, scheduledFor: '2026-11-24T15:42:00Z', firedAt: '2026-11-24T15:42:00Z', attempts: 1, outcome: 'invoked' },
    ]);
    expect(h.printed).toEqual([`[scheduler] 2026-11-24T15:42:00Z aliyun-voice-dev-call-requests/on-time (due 2026-11-24T15:42:00Z) -> ${FUNCTION}`]);
  });

  it('reads the expression in ScheduleExpressionTimezone (UTC by default), across daylight saving time', async () => {
    const { client, scheduler } = await start();
    const at = (name: string, expression: string, timezone?: string) =>
      client.send(new CreateScheduleCommand({ ...schedule(name, 0), ScheduleExpression: expression, ScheduleExpressionTimezone: timezone }));
    await at('utc', 'at(2026-11-24T15:41:00)');
    await at('shanghai', 'at(2026-11-24T23:41:00)', 'Asia/Shanghai');
    await at('new-york-summer', 'at(2026-07-01T12:00:00)', 'America/New_York');
    await at('new-york-winter', 'at(2026-12-01T12:00:00)', 'America/New_York');
    expect(Object.fromEntries(scheduler.schedules().map((entry) => [entry.name, entry.dueAt]))).toEqual({
      utc: '2026-11-24T15:41:00Z',
      shanghai: '2026-11-24T15:41:00Z',
      'new-york-summer': '2026-07-01T16:00:00Z',
      'new-york-winter': '2026-12-01T17:00:00Z',
    });
  });

  it('deletes the schedule once fired with ActionAfterCompletion DELETE; a DISABLED schedule never fires', async () => {
    const h = await start();
    await h.client.send(new CreateScheduleCommand(schedule('deleted-after', 0)));
    await h.client.send(new CreateScheduleCommand(schedule('disabled', 0, { State: 'DISABLED' })));

    expect(await h.scheduler.fireDue()).toBe(1);
    expect(h.invocations.map((invocation) => invocation.payload)).toEqual([{ name: 'deleted-after' }]);
    await expect(h.client.send(new GetScheduleCommand({ Name: 'deleted-after', GroupName: 'aliyun-voice-dev-call-requests' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect(h.scheduler.schedules().map((entry) => [entry.name, entry.status])).toEqual([['disabled', 'scheduled']]);
    expect(h.scheduler.fired().map((entry) => entry.name)).toEqual(['deleted-after']);
  });

  it('retries a failed invocation as the RetryPolicy allows (bounded locally), then drops it and says so', async () => {
    const h = await start({ maxRetryAttempts: 3 });
    await h.client.send(new CreateScheduleCommand(schedule('flaky', 0)));
    await h.client.send(new CreateScheduleCommand(schedule('no-retries', 0, { Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"n":2}', RetryPolicy: { MaximumRetryAttempts: 0 } } })));
    await h.client.send(new CreateScheduleCommand(schedule('always-failing', 0, { Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"n":3}' } })));
    await h.client.send(new CreateScheduleCommand(schedule('not-json', 0, { Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: 'plain text' } })));
    const failures = new Map([['flaky', 2]]);
    h.invoke = async ({ payload }) => {
      const name = (payload as { name?: string }).name;
      if (name === 'flaky' && failures.get('flaky')! > 0) {
        failures.set('flaky', failures.get('flaky')! - 1);
        throw new Error('TooManyRequestsException');
      }
      if (name !== 'flaky') throw new Error('ServiceException');
    };

    expect(await h.scheduler.fireDue()).toBe(4);
    const fired = Object.fromEntries(h.scheduler.fired().map((entry) => [entry.name, entry]));
    expect(fired.flaky).toMatchObject({ outcome: 'invoked', attempts: 3 });
    expect(fired['no-retries']).toMatchObject({ outcome: 'dropped', attempts: 1, error: 'ServiceException' });
    // The service would retry up to 185 times over a day; locally 3.
    expect(fired['always-failing']).toMatchObject({ outcome: 'dropped', attempts: 4 });
    expect(fired['not-json']).toMatchObject({ outcome: 'dropped', attempts: 1, error: expect.stringContaining('not JSON') });
    // The invalid Input never reached the function.
    expect(h.invocations.filter((invocation) => invocation.payload === 'plain text')).toEqual([]);
    // Attempt numbers count up in the retries' events.
    expect(h.invocations.filter((invocation) => (invocation.payload as { name?: string }).name === 'flaky')).toHaveLength(3);
    expect(h.printed.filter((line) => line.includes('/flaky: invoking') && line.endsWith('retrying'))).toHaveLength(2);
    expect(h.printed).toContain(
      '[scheduler] 2026-11-24T15:41:00Z aliyun-voice-dev-call-requests/always-failing (due 2026-11-24T15:41:00Z) dropped after 4 attempts: ServiceException',
    );
    // Complete either way: deleted as asked.
    expect(h.scheduler.schedules()).toEqual([]);
  });

  it('stops retrying once the event is older than MaximumEventAgeInSeconds', async () => {
    const h = await start({ maxRetryAttempts: 100 });
    await h.client.send(new CreateScheduleCommand(schedule('aged', 0, { Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{}', RetryPolicy: { MaximumEventAgeInSeconds: 60 } } })));
    h.invoke = async () => {
      h.clock.now += 25_000;
      throw new Error('ServiceException');
    };
    await h.scheduler.fireDue();
    expect(h.scheduler.fired()).toEqual([expect.objectContaining({ name: 'aged', outcome: 'dropped', attempts: 3 })]);
  });

  it('fires 1,000 schedules due in the same minute, each exactly once, at most `concurrency` invocations at once', async () => {
    const h = await start({ pollIntervalMs: 20, concurrency: 25 });
    const names = Array.from({ length: 1000 }, (_, n) => `request-${n}`);
    for (let from = 0; from < names.length; from += 50) {
      await Promise.all(names.slice(from, from + 50).map((name, offset) => h.client.send(new CreateScheduleCommand(schedule(name, 60 + ((from + offset) % 60))))));
    }
    let running = 0;
    let most = 0;
    h.invoke = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
    };
    expect(await h.scheduler.fireDue()).toBe(0);

    // The minute has passed: the polling loop (and a test's own fireDue, overlapping it) fire them all.
    h.clock.now = START + 120_000;
    await Promise.all([h.scheduler.fireDue(), h.scheduler.fireDue()]);
    await vi.waitFor(() => expect(h.scheduler.fired()).toHaveLength(1000), { timeout: 20_000, interval: 50 });
    const invoked = h.invocations.map((invocation) => (invocation.payload as { name: string }).name);
    expect(invoked.sort()).toEqual([...names].sort());
    expect(new Set(invoked).size).toBe(1000);
    expect(most).toBeLessThanOrEqual(25);
    expect(most).toBeGreaterThan(1);
    expect(h.scheduler.schedules()).toEqual([]);
  }, 60_000);

  it('polls by itself on the real clock: a schedule a second away fires without any call from the test', async () => {
    const h = await start({ now: Date.now, pollIntervalMs: 100 });
    const next = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await h.client.send(new CreateScheduleCommand({ ...schedule('soon', 0), ScheduleExpression: `at(${new Date(next).toISOString().slice(0, 19)})` }));
    await vi.waitFor(() => expect(h.invocations.map((invocation) => invocation.payload)).toEqual([{ name: 'soon' }]), { timeout: 10_000, interval: 50 });
    expect(Date.parse(h.scheduler.fired()[0]!.firedAt)).toBeGreaterThanOrEqual(next);
  });

  it('serves its view at GET /__scheduler/schedules and /__scheduler/fired, and ListSchedules to an unsigned GET /schedules', async () => {
    const h = await start();
    await h.client.send(new CreateScheduleCommand(schedule('first', 0)));
    await h.client.send(new CreateScheduleCommand(schedule('later', 3600)));
    await h.scheduler.fireDue();

    const schedules = (await (await fetch(`${h.scheduler.url}/__scheduler/schedules`)).json()) as Array<Record<string, unknown>>;
    expect(schedules).toEqual([expect.objectContaining({ name: 'later', dueAt: '2026-11-24T16:41:00Z', status: 'scheduled', target: expect.objectContaining({ Arn: FUNCTION_ARN }) })]);
    const fired = (await (await fetch(`${h.scheduler.url}/__scheduler/fired`)).json()) as Array<Record<string, unknown>>;
    expect(fired).toEqual([expect.objectContaining({ name: 'first', outcome: 'invoked' })]);
    const listed = (await (await fetch(`${h.scheduler.url}/schedules`)).json()) as { Schedules: Array<{ Name: string }> };
    expect(listed.Schedules.map((entry) => entry.Name)).toEqual(['later']);
    expect((await fetch(`${h.scheduler.url}/elsewhere`)).status).toBe(404);
  });
});

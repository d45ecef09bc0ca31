/**
 * A local EventBridge Scheduler for one-time schedules, for `npm start` and the tests (there is no
 * Scheduler emulator here): the functions create an `at(...)` schedule per call-request attempt and
 * it invokes their target function when its time comes.
 *
 * It speaks the Scheduler REST-JSON API as @aws-sdk/client-scheduler v3 sends it — CreateSchedule
 * (`POST /schedules/{Name}`), GetSchedule and DeleteSchedule (`GET`/`DELETE /schedules/{Name}?groupName=`)
 * and ListSchedules (`GET /schedules`) — with the service's checks (names, expressions, time zones,
 * targets, retry policies) answered as ValidationException, ConflictException and
 * ResourceNotFoundException. Only `at(yyyy-mm-ddThh:mm:ss)` expressions are accepted (rate() and
 * cron() are refused with a message saying so), in `ScheduleExpressionTimezone` (IANA, default UTC).
 *
 * When a schedule's time has come (polled every 250 ms, where the service has a minute's precision)
 * it invokes the target, a Lambda function ARN, with `Target.Input` parsed as JSON as the event (the
 * context attributes such as `<aws.scheduler.attempt-number>` filled in), up to `concurrency`
 * invocations at once, each schedule exactly once. A failed invocation is retried with backoff as
 * the RetryPolicy allows, at most `maxRetryAttempts` times locally, then dropped and printed. With
 * ActionAfterCompletion DELETE the schedule is deleted once it has fired; with NONE it stays, and
 * the local view marks it completed.
 *
 * Every schedule group exists (there is no CreateScheduleGroup) and signatures are not checked:
 * locally any key is accepted, as with DynamoDB Local. It prints one line per firing (names, never
 * the Input: phone numbers) and serves its own view at `GET /__scheduler/schedules` and
 * `GET /__scheduler/fired`.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeServer, createBufferedServer, listen, sendJson, type BufferedRequest } from './http.ts';
import { withoutUndefined } from './lambda.ts';

/** A schedule's target as CreateSchedule takes it (the fields the stand-in uses; others are kept as given). */
export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  DeadLetterConfig?: { Arn?: string };
  [field: string]: unknown;
}

/** One schedule as the stand-in holds it (for people and tests). */
export interface LocalSchedule {
  name: string;
  groupName: string;
  arn: string;
  scheduleExpression: string;
  scheduleExpressionTimezone?: string;
  /** ISO time the expression names, in UTC. */
  dueAt: string;
  state: 'ENABLED' | 'DISABLED';
  actionAfterCompletion: 'NONE' | 'DELETE';
  target: ScheduleTarget;
  /** scheduled: waiting for its time; firing: being invoked (or retried); completed: fired, kept (ActionAfterCompletion NONE). */
  status: 'scheduled' | 'firing' | 'completed';
  description?: string;
}

/** One firing: its target invoked, or dropped after its attempts. */
export interface FiredSchedule {
  name: string;
  groupName: string;
  functionName: string;
  /** The time the expression named (ISO). */
  scheduledFor: string;
  /** When the last attempt ended (ISO). */
  firedAt: string;
  attempts: number;
  outcome: 'invoked' | 'dropped';
  /** Why the last attempt failed (dropped only). */
  error?: string;
}

export interface LocalSchedulerOptions {
  port?: number;
  host?: string;
  /** Default `000000000000`. */
  account?: string;
  /** Named in schedule ARNs; default `us-east-1`. */
  region?: string;
  /** Invokes a function with an event (`npm start`: through the Lambda invoke API); throwing is a failed invocation. */
  invoke: (functionName: string, payload: unknown) => Promise<unknown>;
  /** Invocations in flight at once; default 25. */
  concurrency?: number;
  /** Retries locally at most this many times whatever the RetryPolicy allows (the service: up to 185 over a day); default 3. */
  maxRetryAttempts?: number;
  /** Pause before retry n (1-based); default 1 s doubling to 10 s. */
  retryDelayMs?: (retry: number) => number;
  /** How often due schedules are looked for; default 250 ms. */
  pollIntervalMs?: number;
  /** The clock schedules fall due by (tests move it). Default Date.now. */
  now?: () => number;
  /** Where the one line per firing goes; default stdout. */
  print?: (line: string) => void;
}

export interface LocalScheduler {
  /** Origin to use as SCHEDULER_ENDPOINT. */
  url: string;
  port: number;
  schedules(): LocalSchedule[];
  fired(): FiredSchedule[];
  /** Fires every schedule due now and resolves, once every firing in progress has ended, to how many this call started (tests). */
  fireDue(): Promise<number>;
  /** Stops firing (no further retries) and listening; waits for the invocations in flight. */
  close(): Promise<void>;
}

interface StoredSchedule {
  name: string;
  groupName: string;
  arn: string;
  scheduleExpression: string;
  scheduleExpressionTimezone?: string;
  dueAt: number;
  startDate?: number;
  endDate?: number;
  description?: string;
  state: 'ENABLED' | 'DISABLED';
  flexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  target: ScheduleTarget;
  functionName: string;
  actionAfterCompletion: 'NONE' | 'DELETE';
  kmsKeyArn?: string;
  clientToken?: string;
  creationDate: number;
  lastModificationDate: number;
  status: LocalSchedule['status'];
}

/** A Scheduler error: `code` names the exception (the `x-amzn-errortype` header). */
class SchedulerError extends Error {
  constructor(
    readonly code: 'ValidationException' | 'ConflictException' | 'ResourceNotFoundException',
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** An invocation that can never succeed (a payload Lambda refuses): dropped without retries. */
class PermanentInvokeError extends Error {}

const MAX_BODY_BYTES = 1024 * 1024;
const NAME = /^[0-9a-zA-Z-_.]+$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** A Lambda function ARN, optionally qualified with a version or an alias. */
const LAMBDA_ARN = /^arn:aws(-[a-z]+)?:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]{1,128})?$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const SCHEDULES_PATH = /^\/schedules\/([^/]+)$/;

/** Starts the scheduler on 127.0.0.1 (`port` 0 picks a free one) and its firing loop. */
export async function startLocalScheduler(options: LocalSchedulerOptions): Promise<LocalScheduler> {
  const print = options.print ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const concurrency = Math.max(1, options.concurrency ?? 25);
  const maxRetryAttempts = Math.max(0, options.maxRetryAttempts ?? 3);
  const retryDelayMs = options.retryDelayMs ?? ((retry: number) => Math.min(10_000, 1_000 * 2 ** (retry - 1)));

  const schedules = new Map<string, StoredSchedule>();
  const fired: FiredSchedule[] = [];
  /** Due schedules waiting for a free invocation slot, oldest due first. */
  const waiting: Array<{ schedule: StoredSchedule; done: () => void }> = [];
  const firings = new Set<Promise<void>>();
  let running = 0;
  let closing = false;

  const fire = async (schedule: StoredSchedule): Promise<void> => {
    const policy = schedule.target.RetryPolicy ?? {};
    const retries = Math.min(policy.MaximumRetryAttempts ?? 185, maxRetryAttempts);
    const maxAgeMs = (policy.MaximumEventAgeInSeconds ?? 86_400) * 1000;
    const executionId = randomUUID();
    let attempts = 0;
    let error = '';
    for (;;) {
      attempts++;
      try {
        await options.invoke(schedule.functionName, payloadOf(schedule, executionId, attempts));
        error = '';
        break;
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
        const spent = attempts > retries || now() - schedule.dueAt >= maxAgeMs || failure instanceof PermanentInvokeError;
        if (spent || closing) break;
        print(`[scheduler] ${iso(now())} ${schedule.groupName}/${schedule.name}: invoking ${schedule.functionName} failed (attempt ${attempts}): ${error}; retrying`);
        await sleep(retryDelayMs(attempts));
        if (closing) break;
      }
    }
    const record: FiredSchedule = withoutUndefined({
      name: schedule.name,
      groupName: schedule.groupName,
      functionName: schedule.functionName,
      scheduledFor: iso(schedule.dueAt),
      firedAt: iso(now()),
      attempts,
      outcome: error === '' ? ('invoked' as const) : ('dropped' as const),
      error: error === '' ? undefined : error,
    });
    fired.push(record);
    // A one-time schedule is complete once fired, whether its target took the event or not.
    const key = keyOf(schedule.groupName, schedule.name);
    if (schedules.get(key) === schedule) {
      if (schedule.actionAfterCompletion === 'DELETE') schedules.delete(key);
      else schedule.status = 'completed';
    }
    if (closing) return;
    print(
      record.outcome === 'invoked'
        ? `[scheduler] ${record.firedAt} ${schedule.groupName}/${schedule.name} (due ${record.scheduledFor}) -> ${schedule.functionName}${attempts > 1 ? ` after ${attempts} attempts` : ''}`
        : `[scheduler] ${record.firedAt} ${schedule.groupName}/${schedule.name} (due ${record.scheduledFor}) dropped after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${error}`,
    );
  };

  /** Starts waiting firings while there is room. */
  const drain = (): void => {
    while (running < concurrency && waiting.length > 0) {
      const { schedule, done } = waiting.shift()!;
      running++;
      void fire(schedule).finally(() => {
        running--;
        done();
        drain();
      });
    }
  };

  const fireDue = async (): Promise<number> => {
    if (closing) return 0;
    const at = now();
    const due = [...schedules.values()]
      .filter((schedule) => schedule.status === 'scheduled' && schedule.state === 'ENABLED' && schedule.dueAt <= at)
      .sort((a, b) => a.dueAt - b.dueAt);
    for (const schedule of due) {
      // Marked before anything is awaited: a schedule is handed out once, whoever polls.
      schedule.status = 'firing';
      const firing = new Promise<void>((done) => waiting.push({ schedule, done }));
      firings.add(firing);
      void firing.then(() => firings.delete(firing));
    }
    drain();
    await Promise.all(firings);
    return due.length;
  };

  const createSchedule = (name: string, input: Record<string, unknown>) => {
    const groupName = checkName(input.GroupName ?? 'default', 'groupName');
    const key = keyOf(groupName, name);
    const existing = schedules.get(key);
    // The SDK sends the same ClientToken when it retries a request: the same schedule, not a conflict.
    if (existing) {
      if (typeof input.ClientToken === 'string' && existing.clientToken === input.ClientToken) return { ScheduleArn: existing.arn };
      throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`, 409);
    }
    const schedule = checkSchedule(name, groupName, input, `arn:aws:scheduler:${region}:${account}:schedule/${groupName}/${name}`, now());
    schedules.set(key, schedule);
    return { ScheduleArn: schedule.arn };
  };

  const found = (name: string, groupName: string): StoredSchedule => {
    const schedule = schedules.get(keyOf(groupName, name));
    if (!schedule) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    return schedule;
  };

  const listSchedules = (query: URLSearchParams) => {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    if (state !== null && state !== 'ENABLED' && state !== 'DISABLED') throw validation(`Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`);
    const maxResults = Number(query.get('MaxResults') ?? 100);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
      throw validation(`Value '${query.get('MaxResults')}' at 'maxResults' failed to satisfy constraint: Member must be between 1 and 100`);
    }
    const matching = [...schedules.values()]
      .filter((schedule) => (group === null || schedule.groupName === group) && schedule.name.startsWith(prefix) && (state === null || schedule.state === state))
      .sort((a, b) => (a.groupName === b.groupName ? compare(a.name, b.name) : compare(a.groupName, b.groupName)));
    const token = query.get('NextToken');
    const from = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(from) || from < 0) throw validation('Invalid NextToken.');
    const page = matching.slice(from, from + maxResults);
    return withoutUndefined({
      Schedules: page.map((schedule) => ({
        Arn: schedule.arn,
        Name: schedule.name,
        GroupName: schedule.groupName,
        State: schedule.state,
        CreationDate: seconds(schedule.creationDate),
        LastModificationDate: seconds(schedule.lastModificationDate),
        Target: { Arn: schedule.target.Arn },
      })),
      NextToken: from + maxResults < matching.length ? Buffer.from(String(from + maxResults)).toString('base64url') : undefined,
    });
  };

  const route = (request: BufferedRequest, response: ServerResponse): void => {
    if (request.method === 'GET' && request.path === '/__scheduler/schedules') return sendJson(response, 200, 'application/json', [...schedules.values()].map(view));
    if (request.method === 'GET' && request.path === '/__scheduler/fired') return sendJson(response, 200, 'application/json', fired);
    if (request.method === 'GET' && request.path === '/schedules') return sendJson(response, 200, 'application/json', listSchedules(request.query));
    const match = SCHEDULES_PATH.exec(request.path);
    if (!match) {
      return sendJson(
        response,
        404,
        'application/json',
        { Message: 'Not found: the local scheduler implements CreateSchedule, GetSchedule, DeleteSchedule and ListSchedules (/schedules), and GET /__scheduler/schedules, /__scheduler/fired' },
        { 'x-amzn-errortype': 'UnknownOperationException' },
      );
    }
    const name = checkName(decoded(match[1]!), 'name');
    const groupName = () => checkName(request.query.get('groupName') ?? 'default', 'groupName');
    if (request.method === 'POST') {
      if (request.tooLarge) throw validation('Request is too large.');
      let input: unknown;
      try {
        input = JSON.parse(request.body === '' ? '{}' : request.body);
      } catch {
        throw validation('The request body is not valid JSON.');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw validation('The request body must be a JSON object.');
      return sendJson(response, 200, 'application/json', createSchedule(name, input as Record<string, unknown>));
    }
    if (request.method === 'GET') return sendJson(response, 200, 'application/json', describe(found(name, groupName())));
    if (request.method === 'DELETE') {
      const schedule = found(name, groupName());
      schedules.delete(keyOf(schedule.groupName, schedule.name));
      return sendJson(response, 200, 'application/json', {});
    }
    sendJson(response, 405, 'application/json', { Message: `${request.method} is not allowed on ${request.path}` });
  };

  const server = createBufferedServer(MAX_BODY_BYTES, (request, response) => {
    try {
      route(request, response);
    } catch (error) {
      if (!(error instanceof SchedulerError)) throw error;
      sendJson(response, error.status, 'application/json', { Message: error.message }, { 'x-amzn-errortype': error.code });
    }
  });

  const { url, port } = await listen(server, options.port, options.host);
  const timer = setInterval(() => void fireDue(), options.pollIntervalMs ?? 250);
  timer.unref();

  return {
    url,
    port,
    schedules: () => [...schedules.values()].map(view),
    fired: () => [...fired],
    fireDue,
    close: async () => {
      closing = true;
      clearInterval(timer);
      // Those not started yet are not started any more.
      for (const { done } of waiting.splice(0)) done();
      await closeServer(server);
      await Promise.allSettled(firings);
    },
  };
}

/** CreateSchedule's checks, in the service's words where it has them; the schedule once they pass. */
function checkSchedule(name: string, groupName: string, input: Record<string, unknown>, arn: string, at: number): StoredSchedule {
  const expression = input.ScheduleExpression;
  if (typeof expression !== 'string' || expression.length === 0 || expression.length > 256) {
    throw validation(`Value ${JSON.stringify(expression ?? null)} at 'scheduleExpression' failed to satisfy constraint: Member must have length between 1 and 256`);
  }
  const timezone = optionalString(input.ScheduleExpressionTimezone, 'scheduleExpressionTimezone', 50);
  const dueAt = dueTime(expression, timezone ?? 'UTC');

  const window = input.FlexibleTimeWindow as { Mode?: unknown; MaximumWindowInMinutes?: unknown } | undefined;
  if (!window || typeof window !== 'object') throw validation("Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null");
  if (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE') {
    throw validation(`Value '${String(window.Mode)}' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]`);
  }
  const minutes = window.MaximumWindowInMinutes;
  if (window.Mode === 'FLEXIBLE' && (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440)) {
    throw validation('MaximumWindowInMinutes must be between 1 and 1440 when the flexible time window mode is FLEXIBLE.');
  }

  const target = input.Target as Record<string, unknown> | undefined;
  if (!target || typeof target !== 'object') throw validation("Value null at 'target' failed to satisfy constraint: Member must not be null");
  if (typeof target.Arn !== 'string' || target.Arn.length === 0 || target.Arn.length > 1600) {
    throw validation("Value at 'target.arn' failed to satisfy constraint: Member must have length between 1 and 1600");
  }
  if (typeof target.RoleArn !== 'string' || !ROLE_ARN.test(target.RoleArn)) {
    throw validation(`Value '${String(target.RoleArn)}' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ROLE_ARN.source}`);
  }
  const functionName = LAMBDA_ARN.exec(target.Arn)?.[2];
  if (!functionName) {
    throw validation(`The local scheduler (scripts/local/scheduler.ts) invokes Lambda functions only (arn:aws:lambda:<region>:<account>:function:<name>), not ${target.Arn}.`);
  }
  optionalString(target.Input, 'target.input', 8192, 1);
  const retry = target.RetryPolicy as Record<string, unknown> | undefined;
  if (retry !== undefined) {
    checkRange(retry.MaximumEventAgeInSeconds, 'target.retryPolicy.maximumEventAgeInSeconds', 60, 86_400);
    checkRange(retry.MaximumRetryAttempts, 'target.retryPolicy.maximumRetryAttempts', 0, 185);
  }

  const state = input.State ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw validation(`Value '${String(state)}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`);
  const action = input.ActionAfterCompletion ?? 'NONE';
  if (action !== 'NONE' && action !== 'DELETE') {
    throw validation(`Value '${String(action)}' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]`);
  }
  const description = optionalString(input.Description, 'description', 512, 0);
  const date = (value: unknown) => (typeof value === 'number' ? value * 1000 : undefined);

  return withoutUndefined({
    name,
    groupName,
    arn,
    scheduleExpression: expression,
    scheduleExpressionTimezone: timezone,
    dueAt,
    startDate: date(input.StartDate),
    endDate: date(input.EndDate),
    description,
    state,
    flexibleTimeWindow: window as StoredSchedule['flexibleTimeWindow'],
    target: target as ScheduleTarget,
    functionName,
    actionAfterCompletion: action,
    kmsKeyArn: typeof input.KmsKeyArn === 'string' ? input.KmsKeyArn : undefined,
    clientToken: typeof input.ClientToken === 'string' ? input.ClientToken : undefined,
    creationDate: at,
    lastModificationDate: at,
    status: 'scheduled' as const,
  });
}

/**
 * When `at(yyyy-mm-ddThh:mm:ss)` falls in `timeZone` (epoch ms). rate() and cron() are refused: the
 * product creates one-time schedules only, and firing recurring ones is not emulated here.
 */
function dueTime(expression: string, timeZone: string): number {
  if (/^(rate|cron)\(/.test(expression)) {
    throw validation(`The local scheduler (scripts/local/scheduler.ts) supports one-time schedules only, at(yyyy-mm-ddThh:mm:ss); not ${expression}.`);
  }
  const match = AT.exec(expression);
  if (!match) throw validation(`Invalid Schedule Expression ${expression}.`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw validation(`Invalid Schedule Expression ${expression}.`);
  }
  let offset: (instant: number) => number;
  try {
    offset = zoneOffset(timeZone);
  } catch {
    throw validation(`Invalid time zone ${timeZone}.`);
  }
  // The wall time minus the zone's offset at that instant; a second pass settles a DST change in between.
  const first = asUtc - offset(asUtc);
  return asUtc - offset(first);
}

/**
 * The zone's offset from UTC (ms) at an instant; throws on an unknown time zone. Written apart from
 * shared/callRequests/timing.ts on purpose: the stand-in plays AWS's part, so it does not share the
 * product's time-zone code (it would agree with that code's mistakes instead of showing them).
 */
function zoneOffset(timeZone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return (instant) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]));
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return wall - Math.floor(instant / 1000) * 1000;
  };
}

/**
 * The event the target receives: Target.Input (default `{}`) with the context attributes filled in,
 * parsed as JSON — Lambda refuses a payload that is not JSON, so such an Input can never be delivered.
 */
function payloadOf(schedule: StoredSchedule, executionId: string, attempt: number): unknown {
  const input = (schedule.target.Input ?? '{}')
    .replaceAll('<aws.scheduler.schedule-arn>', schedule.arn)
    .replaceAll('<aws.scheduler.scheduled-time>', iso(schedule.dueAt))
    .replaceAll('<aws.scheduler.execution-id>', executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(attempt));
  try {
    return JSON.parse(input);
  } catch {
    throw new PermanentInvokeError('Target.Input is not JSON: Lambda refuses the payload (InvalidRequestContentException)');
  }
}

/** GetSchedule's answer (REST-JSON timestamps in epoch seconds). */
function describe(schedule: StoredSchedule): Record<string, unknown> {
  return withoutUndefined({
    Arn: schedule.arn,
    GroupName: schedule.groupName,
    Name: schedule.name,
    ScheduleExpression: schedule.scheduleExpression,
    ScheduleExpressionTimezone: schedule.scheduleExpressionTimezone,
    StartDate: schedule.startDate === undefined ? undefined : seconds(schedule.startDate),
    EndDate: schedule.endDate === undefined ? undefined : seconds(schedule.endDate),
    Description: schedule.description,
    State: schedule.state,
    CreationDate: seconds(schedule.creationDate),
    LastModificationDate: seconds(schedule.lastModificationDate),
    KmsKeyArn: schedule.kmsKeyArn,
    Target: schedule.target,
    FlexibleTimeWindow: schedule.flexibleTimeWindow,
    ActionAfterCompletion: schedule.actionAfterCompletion,
  });
}

function view(schedule: StoredSchedule): LocalSchedule {
  return withoutUndefined({
    name: schedule.name,
    groupName: schedule.groupName,
    arn: schedule.arn,
    scheduleExpression: schedule.scheduleExpression,
    scheduleExpressionTimezone: schedule.scheduleExpressionTimezone,
    dueAt: iso(schedule.dueAt),
    state: schedule.state,
    actionAfterCompletion: schedule.actionAfterCompletion,
    target: schedule.target,
    status: schedule.status,
    description: schedule.description,
  });
}

/** Schedule and group names: 1-64 of 0-9 a-z A-Z - _ . */
function checkName(value: unknown, field: 'name' | 'groupName'): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 64) {
    throw validation(`Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must have length between 1 and 64`);
  }
  if (!NAME.test(value)) throw validation(`Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+`);
  return value;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw validation(`Value '${segment}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+`);
  }
}

function optionalString(value: unknown, field: string, max: number, min = 1): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw validation(`Value at '${field}' failed to satisfy constraint: Member must have length between ${min} and ${max}`);
  }
  return value;
}

function checkRange(value: unknown, field: string, min: number, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validation(`Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
  }
}

function validation(message: string): SchedulerError {
  return new SchedulerError('ValidationException', message.startsWith('Value') ? `1 validation error detected: ${message}` : message, 400);
}

function keyOf(groupName: string, name: string): string {
  return `${groupName}/${name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** To the second, as Scheduler writes times (`<aws.scheduler.scheduled-time>`). */
function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

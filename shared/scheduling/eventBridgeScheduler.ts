/**
 * Call-request attempts timed by Amazon EventBridge Scheduler (docs/call-requests.md#the-engine): one
 * one-time schedule (`at()`) per armed attempt, in the stack's schedule group, that invokes the
 * attempt function with the attempt as its input and deletes itself once it has fired. Scheduler
 * retries a failed invocation (RetryPolicy) and sends what it cannot deliver to a dead-letter queue.
 * Spoken as Scheduler's REST-JSON API with a signed fetch (shared/awsJson.ts): the SDK client would
 * add a hundred kilobytes to the functions that arm attempts.
 */
import { awsErrorOf, awsRestCaller, AwsRegionMissingError, AwsTransportError, isRetryableAwsFailure, type AwsJsonServiceOptions, type AwsRestCaller } from '../awsJson.ts';
import type { ArmedAttempt, AttemptScheduler } from '../callRequests/ports.ts';
import { retryWithBackoff } from '../retry.ts';

/** What every schedule targets (from the template: the attempt function, the role Scheduler assumes). */
export interface ScheduleTarget {
  /** The schedule group of this stack. */
  groupName: string;
  /** The attempt function's ARN. */
  functionArn: string;
  /** The role Scheduler assumes to invoke it: allowed to invoke that function only. */
  roleArn: string;
  /** Where Scheduler sends an attempt it could not deliver after its retries. */
  deadLetterArn?: string;
}

const ATTEMPT_TIMEOUT_MS = 3_000;
const MAX_TRIES = 3;
/** Scheduler refuses an `at()` in the past: an attempt due now is armed at least this far ahead. */
const MIN_LEAD_MS = 5_000;
const MINUTE_MS = 60_000;

/**
 * The `at()` time of an attempt due at `due`: the whole minute at or after it. Scheduler invokes
 * with a minute's precision — anywhere in the minute named, its first second included — so an
 * attempt armed for 10:00:30 could fire at 10:00:00, before its window, interval or flow-control
 * slot allows (docs/call-requests.md#the-engine). Armed for the next whole minute, it never fires
 * early, and at most a minute late.
 */
export function scheduleTimeOf(due: number, now: number): number {
  return Math.ceil(Math.max(due, now + MIN_LEAD_MS) / MINUTE_MS) * MINUTE_MS;
}

export class EventBridgeAttemptScheduler implements AttemptScheduler {
  private readonly call: AwsRestCaller;

  constructor(
    private readonly target: ScheduleTarget,
    options: { endpoint?: string; now?: () => number } & Pick<AwsJsonServiceOptions, 'region' | 'credentials'> = {},
  ) {
    const { now: _clock, ...connection } = options;
    this.call = awsRestCaller({ service: 'scheduler', endpointVariable: 'AWS_ENDPOINT_URL_SCHEDULER', ...connection });
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  async arm(armed: ArmedAttempt, name: string): Promise<void> {
    const at = scheduleTimeOf(armed.at, this.now());
    const body = {
      GroupName: this.target.groupName,
      ScheduleExpression: `at(${new Date(at).toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      // The same name and token again (a retry, the sweeper) is the same request to Scheduler.
      ClientToken: name,
      Description: `call request ${armed.requestId}, attempt ${armed.attempt}`,
      Target: {
        Arn: this.target.functionArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify(armed),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3_600 },
        ...(this.target.deadLetterArn ? { DeadLetterConfig: { Arn: this.target.deadLetterArn } } : {}),
      },
    };
    await this.send('CreateSchedule', { method: 'POST', path: `/schedules/${encodeURIComponent(name)}`, body }, [409]);
  }

  async disarm(name: string): Promise<void> {
    await this.send('DeleteSchedule', { method: 'DELETE', path: `/schedules/${encodeURIComponent(name)}`, query: { groupName: this.target.groupName } }, [404]);
  }

  /** One call, retried when it may succeed later; `fine` lists the statuses that mean "already so" (409 exists, 404 gone). */
  private async send(operation: string, request: Parameters<AwsRestCaller>[0], fine: number[]): Promise<void> {
    await retryWithBackoff<void, Error>(
      async () => {
        try {
          const answer = await this.call(request, { timeoutMs: ATTEMPT_TIMEOUT_MS });
          if ((answer.status >= 200 && answer.status < 300) || fine.includes(answer.status)) return { ok: true, value: undefined };
          const { code, message } = awsErrorOf(answer);
          return { ok: false, error: new Error(`Scheduler ${operation} failed: ${code} (HTTP ${answer.status})${message ? `: ${message}` : ''}`), retryable: isRetryableAwsFailure(answer.status, code) };
        } catch (error) {
          if (error instanceof AwsRegionMissingError || !(error instanceof AwsTransportError)) throw error;
          return { ok: false, error, retryable: true };
        }
      },
      { maxAttempts: MAX_TRIES, backoff: { baseMs: 100, capMs: 1_000 }, deadlineError: (_attempts, last) => last ?? new Error(`Scheduler ${operation}: no time left`) },
    );
  }
}

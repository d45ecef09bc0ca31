import type { Context } from 'aws-lambda';
import { logger as rootLogger, sanitisedError, withLogContext, type Logger } from '../logger.ts';
import { publishMetrics } from '../metrics.ts';

/** What every non-HTTP handler's logic receives from its trigger wrapper. */
export interface Invocation {
  /** Carries the function name and the invocation's request id on every entry. */
  logger: Logger;
  /** Absolute epoch ms by which upstream work must finish (the Lambda deadline less a margin). */
  deadline: number;
  /** The Lambda request id (also on every log entry). */
  invocationId: string;
}

/** Remaining time assumed when a caller (a test, a local invoke) passes no Lambda context. */
const DEFAULT_REMAINING_MS = 30_000;

/**
 * Wraps a trigger's logic (SQS, EventBridge, DynamoDB stream, schedule) into a Lambda handler: a
 * correlated child logger, the deadline, and the invocation's metrics published whatever happens.
 * The logic stays Lambda-free apart from the event shape it is given.
 *
 * An error the logic throws fails the invocation (Lambda retries it, or the stream redelivers). It
 * is logged here, whole and masked, and what is thrown to Lambda (which logs it outside the masking
 * logger, and keeps its message in on-failure destinations) is its sanitised copy.
 */
export function eventHandler<TEvent, TResult>(
  functionName: string,
  logic: (event: TEvent, invocation: Invocation) => Promise<TResult>,
  options: { deadlineMarginMs?: number } = {},
): (event: TEvent, context?: Partial<Context>) => Promise<TResult> {
  return async (event, context) => {
    const invocationId = context?.awsRequestId ?? 'local';
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : DEFAULT_REMAINING_MS;
    const correlation = { function: functionName, invocationId };
    const logger = rootLogger.child(correlation);
    const deadline = Date.now() + remaining - (options.deadlineMarginMs ?? 500);
    try {
      // The ids also reach entries written through loggers built at cold start (clients, stores).
      return await withLogContext(correlation, () => logic(event, { logger, deadline, invocationId }));
    } catch (error) {
      logger.error('invocation failed', { error });
      throw sanitisedError(error);
    } finally {
      publishMetrics();
    }
  };
}

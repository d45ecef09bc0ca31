/**
 * What the local stand-ins for the deployed triggers share — the DynamoDB stream (streams.ts), the
 * SQS event source mapping (queue.ts), EventBridge Scheduler (scheduler.ts): invoking a function
 * through a Lambda invoke API (serverless-offline's, on port 3002 under `npm start`) and building
 * the events it receives.
 */

/**
 * A callback invoking `functionName` with an event and resolving to what it returned (undefined for
 * an empty answer). A function error (`X-Amz-Function-Error`) or a non-2xx answer (an unknown
 * function, serverless-offline failing) throws, so the caller delivers again as the deployed trigger
 * would after a function error.
 *
 * Always a RequestResponse invocation: serverless-offline 13 runs an `Event` (asynchronous) invocation
 * without handling its rejection, so a function error would stop serverless-offline itself.
 */
export function invokeFunction<Event, Result = unknown>(lambdaOrigin: string, functionName: string, timeoutMs = 60_000): (event: Event) => Promise<Result | undefined> {
  const url = `${lambdaOrigin}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  return async (event) => {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (!response.ok || response.headers.get('x-amz-function-error')) {
      throw new Error(`${functionName} failed (HTTP ${response.status}): ${text.slice(0, 300)}`);
    }
    return text === '' ? undefined : (JSON.parse(text) as Result);
  };
}

/** The object without its undefined fields: Lambda's events leave an absent field out rather than carry null. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

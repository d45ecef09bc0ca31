/** A closed-loop load generator: `concurrency` requests in flight until `count` are done. */

export interface LoadResult {
  /** Wall time from the first request out to the last answer in. */
  elapsedMs: number;
  /** Latency of every successful request, in completion order. */
  latenciesMs: number[];
  failures: number;
  /** The first failure's message (the rest are counted only). */
  firstError?: string;
}

export async function runConcurrent(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const started = performance.now();
      try {
        await task(index);
        latenciesMs.push(performance.now() - started);
      } catch (error) {
        failures += 1;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  return { elapsedMs: performance.now() - started, latenciesMs, failures, ...(firstError !== undefined ? { firstError } : {}) };
}

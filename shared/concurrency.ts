/**
 * Runs `task` over `items` with at most `limit` tasks in flight, taking items in order. A task that
 * rejects rejects the whole run (tasks that must not fail the others catch their own errors).
 */
export async function runLimited<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

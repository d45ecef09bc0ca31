/**
 * Environment variables a test harness changes (to point the bundle at its sandbox) and puts back
 * when it stops, together with the Alibaba connection pools the bundle opened meanwhile.
 */

/** The current values of `names`, to hand to restoreEnvironment later. */
export function saveEnvironment(names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, process.env[name]]));
}

/** Puts the saved values back; a variable that was unset is removed again. */
export function restoreEnvironment(saved: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** Closes the bundle's Alibaba connection pools, then puts the saved environment back. */
export async function releaseBundle(saved: Record<string, string | undefined>): Promise<void> {
  const { destroyPools } = await import('#shared/alibaba/pool');
  await destroyPools();
  restoreEnvironment(saved);
}

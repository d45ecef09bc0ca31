/**
 * Environment variables a test harness changes (to point the bundle at its sandbox) and puts back
 * when it stops, together with the Alibaba connection pools the bundle opened meanwhile; and the
 * environment of a user's shell, for the children a test starts as a user would.
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

/**
 * The environment a user's shell would have: this process's, without the test run's own settings
 * (sandbox keys, DynamoDB Local, test/setup/env.ts's FLOW_CONTROL_LIMITS=off, ...), so that a
 * child it starts (npm start, serverless package) runs as it would for the user.
 */
export function userShellEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!TEST_RUN_VARIABLES.test(name)) env[name] = value;
  }
  return env;
}

const TEST_RUN_VARIABLES =
  /^(ALIYUN_|DYNAMODB_|CALLS_TABLE$|IDEMPOTENCY_|EVENTBRIDGE_|EVENT_BUS_NAME$|SQS_|SCHEDULER_|CALL_REQUESTS?_|FLOW_CONTROL_|RECEIPT_|SANDBOX_|VITEST|LOG_LEVEL$)/;

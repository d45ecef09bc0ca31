/**
 * A Vitest reporter for mutation testing only (vitest.mutation.config.mts, docs/testing.md#mutation-testing).
 *
 * A mutant can make a module throw while it loads (an empty encoding name given to TextDecoder, a
 * table emptied that a test file reads at its top level). Vitest then reports the test file as a
 * failed suite with no tests in it, and StrykerJS's Vitest runner, which reads only the tests' own
 * results, sees no failing test and counts the mutant as survived — although `npm test` would fail
 * on it. This reporter gives every test file that failed before any of its tests ran one failing
 * test carrying the file's error, so such a mutant counts as killed, as it should.
 */
import type { RunnerTask, RunnerTestCase, RunnerTestFile } from 'vitest';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/** The name of the test added to a file that failed to load. */
export const LOAD_FAILURE_TEST_NAME = 'the test file loads (mutation testing: a load failure kills the mutant)';

export default class LoadFailureReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(_testModules: ReadonlyArray<TestModule>): void {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      if (file.result?.state === 'fail' && !hasTests(file)) file.tasks.push(loadFailureTest(file));
    }
  }
}

function hasTests(task: RunnerTask): boolean {
  if (task.type === 'test') return true;
  return 'tasks' in task && task.tasks.some(hasTests);
}

function loadFailureTest(file: RunnerTestFile): RunnerTestCase {
  return {
    id: `${file.id}_load`,
    name: LOAD_FAILURE_TEST_NAME,
    fullName: `${file.name} > ${LOAD_FAILURE_TEST_NAME}`,
    type: 'test',
    mode: 'run',
    file,
    meta: {},
    context: undefined as never,
    annotations: [],
    artifacts: [],
    timeout: 0,
    result: { state: 'fail', errors: file.result?.errors ?? [{ message: 'the test file failed to load' }] },
  } as unknown as RunnerTestCase;
}

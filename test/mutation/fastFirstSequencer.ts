/**
 * The order of test files for mutation testing only (vitest.mutation.config.mts). StrykerJS stops a
 * mutant's run at its first failing test, so files that failed last time come first (they most
 * likely kill the next mutant of the same code), then the quickest ones; Vitest's own order runs
 * the slowest files first, which is right for a whole suite but makes every mutant pay for them.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export default class FastFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const rank = (file: TestSpecification): [failed: number, duration: number, size: number] => {
      const key = `${file.project.name}:${relative(config.root, file.moduleId)}`;
      const results = cache.getFileTestResults(key);
      return [results?.failed ? 0 : 1, results?.duration ?? Number.POSITIVE_INFINITY, cache.getFileStats(key)?.size ?? 0];
    };
    const ranks = new Map(files.map((file) => [file, rank(file)]));
    return Promise.resolve(
      [...files].sort((a, b) => {
        const [x, y] = [ranks.get(a)!, ranks.get(b)!];
        return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
      }),
    );
  }
}

import { defineConfig } from 'vitest/config';
import FastFirstSequencer from './test/mutation/fastFirstSequencer.ts';
import LoadFailureReporter from './test/mutation/loadFailureReporter.ts';

/**
 * The tests StrykerJS runs against each mutant of the core modules (stryker.config.mjs,
 * docs/testing.md#mutation-testing): the unit tests of those modules and of the clients built
 * directly on them. No DynamoDB Local, no sandbox process: each mutant's run must be quick.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    include: [
      'test/unit/alibaba/classify.test.ts',
      'test/unit/alibaba/answers.test.ts',
      'test/unit/alibaba/rpcClient.test.ts',
      'test/unit/alibaba/rpcClient.observability.test.ts',
      'test/unit/calls/status.test.ts',
      'test/unit/calls/schemas*.test.ts',
      'test/unit/calls/wire.test.ts',
      'test/unit/openapi/document.test.ts',
      'test/unit/receipts/decode.test.ts',
      'test/unit/receipts/normalise.test.ts',
      'test/unit/receipts/mnsXml.test.ts',
      'test/unit/receipts/mnsClient.test.ts',
      'test/unit/signing/*.test.ts',
      'test/unit/retry.test.ts',
    ],
    setupFiles: ['test/setup/env.ts'],
    reporters: ['default', new LoadFailureReporter()],
    sequence: { sequencer: FastFirstSequencer },
  },
});

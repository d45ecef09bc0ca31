import { defineConfig } from 'vitest/config';
import FastFirstSequencer from './test/mutation/fastFirstSequencer.ts';
import LoadFailureReporter from './test/mutation/loadFailureReporter.ts';

/**
 * The tests StrykerJS runs against each mutant of the core modules (stryker.config.json,
 * docs/testing.md#mutation-testing): the unit tests of those modules, with no DynamoDB Local and no
 * servers. The clients built on them (rpcClient, mnsClient) are left out: they test the same rules
 * through local HTTP servers at several times the cost per mutant.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    include: [
      'test/unit/alibaba/classify.test.ts',
      'test/unit/alibaba/answers.test.ts',
      'test/unit/calls/status.test.ts',
      'test/unit/calls/schemas*.test.ts',
      'test/unit/calls/urlScan.test.ts',
      'test/unit/calls/wire.test.ts',
      'test/unit/openapi/document.test.ts',
      'test/unit/receipts/decode.test.ts',
      'test/unit/receipts/normalise.test.ts',
      'test/unit/receipts/mnsAnswerXml.test.ts',
      'test/unit/receipts/mnsRequestXml.test.ts',
      'test/unit/signing/*.test.ts',
      'test/unit/retry.test.ts',
    ],
    setupFiles: ['test/setup/env.ts'],
    reporters: ['default', new LoadFailureReporter()],
    sequence: { sequencer: FastFirstSequencer },
  },
});

import { defineConfig } from 'vitest/config';

/**
 * Two projects (docs/testing.md):
 * - `unit`: everything that needs neither DynamoDB Local nor Java (pure units, the sandbox, the
 *   clients against local HTTP servers, the packaged template): `npm run test:unit`;
 * - `integration`: the handlers and stores against DynamoDB Local (started once by the global
 *   setup) and the sandbox, and the `npm start` end-to-end test.
 * `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup/env.ts'],
          // Compile-time contracts (test/unit/types/): tsc checks them as tests of this project.
          typecheck: { enabled: true, include: ['test/unit/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/globalSetup.ts'],
          setupFiles: ['test/setup/env.ts', 'test/setup/dynamodbEnv.ts'],
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// Two lanes: fast unit tests that run anywhere, and integration tests against
// real things (a real sshd on 127.0.0.1, the QEMU lab VM). Integration files
// share one lab VM, so they run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{electron,shared,renderer}/**/*.test.{ts,tsx}'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{electron,shared}/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 15 * 60_000,
          hookTimeout: 30 * 60_000,
          fileParallelism: false,
          sequence: { concurrent: false },
          globalSetup: ['electron/core/lab/test-global-setup.ts'],
        },
      },
    ],
  },
});

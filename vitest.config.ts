import { defineConfig } from 'vitest/config';
import e2eProject from './test/e2e/vitest.project';
import extensionProject from './test/unit/extension/vitest.project';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: ['test/unit/extension/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          globalSetup: ['test/setup/test-ca.ts'],
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      extensionProject,
      e2eProject,
    ],
  },
});

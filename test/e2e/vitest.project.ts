import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * End-to-end: the built extension in Debian's Chromium, the fake Onventis over HTTPS, the real relay
 * (child process) and a real Dovecot. Needs root (Dovecot), /usr/bin/chromium and chromium-l10n.
 */
export default defineProject({
  test: {
    name: 'e2e',
    root,
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Where the end-to-end tests save their screenshots: `test/.tmp/screenshots` on every run, and the
 * README's committed `test/e2e/screenshots` only when asked (MC_UPDATE_SCREENSHOTS=1), so a test run
 * leaves the working tree as it found it.
 */
export const SHOTS = path.join(
  ROOT,
  process.env.MC_UPDATE_SCREENSHOTS === '1' ? 'test/e2e/screenshots' : 'test/.tmp/screenshots',
);

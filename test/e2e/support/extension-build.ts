import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHROME_BUILD = path.join(ROOT, '.output/chrome-mv3');

function newestMtime(target: string): number {
  const stat = statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(target).map((name) => newestMtime(path.join(target, name))));
}

/**
 * The tests load the real Chrome build. It is rebuilt when missing or older than any source it is made
 * from, so a stale .output never tests yesterday's code.
 */
export function ensureChromeBuild(): string {
  const built = newestMtime(path.join(CHROME_BUILD, 'manifest.json'));
  const sources = Math.max(
    ...['extension', 'shared', 'wxt.config.ts', 'package-lock.json'].map((p) =>
      newestMtime(path.join(ROOT, p)),
    ),
  );
  if (built === 0 || built < sources) {
    // Quiet unless it fails: execFileSync then throws with the build's output.
    execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, stdio: 'pipe' });
  }
  return CHROME_BUILD;
}

import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { RelayError } from '../errors.js';

/** The data directory holds keys and secrets: only the relay's user may enter it. */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Write-then-rename so a crash leaves the old or the new file, never half of one (POSIX rename(2)). */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One relay per data directory: two would each rewrite db.json from their own memory and lose the
 * other's changes. A lock file left by a relay that died is taken over.
 */
export function acquireLock(dir: string, name = 'relay.lock'): () => void {
  const path = join(dir, name);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new RelayError(
          'conflict',
          `Another relay (pid ${pid}) is using the data directory ${dir}. Stop it first, or give this one its own RELAY_DATA_DIR.`,
        );
      rmSync(path, { force: true });
    }
  }
  throw new RelayError('conflict', `Could not lock the data directory ${dir}.`);
}

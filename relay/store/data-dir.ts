import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
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

/**
 * Linux's view of a process: its state letter and start time (proc(5), /proc/<pid>/stat fields 3
 * and 22). The command name (field 2) may hold spaces and parentheses, so fields count from the last ')'.
 */
function procStat(pid: number): { state: string; startTime: string } | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No such process; or no /proc at all (not Linux): undefined, the caller asks the kernel instead.
    return existsSync('/proc/self/stat') ? null : undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

/**
 * Whether the relay that wrote a lock still runs. A zombie (state Z, dead but not yet reaped by its
 * parent) or a dying task (X) holds nothing; a live process with another start time is a new one
 * that got the dead relay's pid (issue 8: a restart right after kill -9 was refused for ~1.5 s).
 */
function holderAlive(pid: number, startTime: string | undefined): boolean {
  const stat = procStat(pid);
  if (stat === null) return false;
  if (stat !== undefined)
    return !['Z', 'X', 'x'].includes(stat.state) && (!startTime || stat.startTime === startTime);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One relay per data directory: two would each rewrite db.json from their own memory and lose the
 * other's changes. The lock file names the holder by pid and start time; a lock whose holder died
 * (also one that is a zombie) is taken over.
 */
export function acquireLock(dir: string, name = 'relay.lock'): () => void {
  const path = join(dir, name);
  const me = `${process.pid} ${procStat(process.pid)?.startTime ?? ''}`.trim();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      return () => {
        // Only our own lock: a successor that took over a stale one keeps it.
        if (existsSync(path) && readFileSync(path, 'utf8').trim() === me) rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const [pidText, startTime] = readFileSync(path, 'utf8').trim().split(/\s+/);
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && holderAlive(pid, startTime))
        throw new RelayError(
          'conflict',
          `Another relay (pid ${pid}) is using the data directory ${dir}. Stop it first, or give this one its own RELAY_DATA_DIR.`,
        );
      rmSync(path, { force: true });
    }
  }
  throw new RelayError('conflict', `Could not lock the data directory ${dir}.`);
}

/**
 * One relay per data directory: two would each rewrite db.json from their own memory and lose the
 * other's changes. The lock file names its holder (pid, start time, host); it is created with its
 * content in one step (link(2) of a complete temp file fails with EEXIST), and a lock whose holder
 * died, also one that is still a zombie (issue 8), is taken over under a second guard file so that
 * two relays starting beside a dead one cannot both take it.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RelayError } from '../errors.js';

interface Holder {
  pid: number;
  /** /proc/<pid>/stat field 22: tells a live holder from a new process that got its pid. */
  start: string | null;
  host: string;
}

/** A lock file younger than this with no readable holder is being written, not abandoned. */
const FRESH_MS = 5_000;

type ProcState = { state: string; start: string } | 'gone' | 'unknown';

/**
 * Linux's view of a process (proc(5), /proc/<pid>/stat fields 3 and 22). The command name (field 2)
 * may hold spaces and parentheses, so fields count from the last ')'. Without /proc, or when it may
 * not be read (hidepid), nothing is known.
 */
function procState(pid: number): ProcState {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' && procState(process.pid) !== 'unknown'
      ? 'gone'
      : 'unknown';
  }
}

/** Whether a holder still runs: a zombie (Z) or dying task (X) holds nothing, nor does a reused pid. */
function alive(h: Holder): boolean {
  if (h.host !== hostname()) return true; // another machine or container: not ours to judge
  const p = procState(h.pid);
  if (p === 'gone') return false;
  if (p !== 'unknown') return !['Z', 'X', 'x'].includes(p.state) && (h.start === null || p.start === h.start);
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): { text: string; holder: Holder | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (Number.isInteger(h.pid) && typeof h.host === 'string')
      return { text, holder: { pid: h.pid!, start: h.start ?? null, host: h.host } };
  } catch {
    // Written by a relay before issue 8 ("<pid>"), or not a lock at all.
  }
  const pid = Number(text.trim().split(/\s+/)[0]);
  return { text, holder: Number.isInteger(pid) && pid > 0 ? { pid, start: null, host: hostname() } : null };
}

const ageMs = (path: string) => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
};

const busy = (dir: string, pid: number | string) =>
  new RelayError(
    'conflict',
    `Another relay (pid ${pid}) is using the data directory ${dir}. Stop it first, or give this one its own RELAY_DATA_DIR.`,
  );

/** Takes the lock or throws `conflict`; the returned function releases it (only if still ours). */
export function acquireLock(dir: string, name = 'relay.lock'): () => void {
  const path = join(dir, name);
  const me = JSON.stringify({
    pid: process.pid,
    start: (() => {
      const p = procState(process.pid);
      return typeof p === 'object' ? p.start : null;
    })(),
    host: hostname(),
  } satisfies Holder);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, me, { mode: 0o600 });
  try {
    if (!tryLink(tmp, path)) takeOver(dir, path, tmp);
  } finally {
    rmSync(tmp, { force: true });
  }
  return () => {
    if (readHolder(path)?.text === me) rmSync(path, { force: true });
  };
}

function tryLink(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

/** The lock exists: refuse if its holder lives, else replace it while holding the guard. */
function takeOver(dir: string, path: string, tmp: string): void {
  const seen = readHolder(path);
  if (seen === null) {
    if (tryLink(tmp, path)) return;
    throw busy(dir, 'unknown');
  }
  if (seen.holder ? alive(seen.holder) : ageMs(path) < FRESH_MS)
    throw busy(dir, seen.holder?.pid ?? 'unknown');
  const guard = `${path}.takeover`;
  // A guard left by a relay that died while taking over is old; a live one is gone within ms.
  if (ageMs(guard) > FRESH_MS) rmSync(guard, { force: true });
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch {
    throw busy(dir, seen.holder?.pid ?? 'unknown');
  }
  try {
    // Under the guard: replace the lock only if it is still the dead holder's.
    const now = readHolder(path);
    if (now !== null && now.text !== seen.text) throw busy(dir, now.holder?.pid ?? 'unknown');
    rmSync(path, { force: true });
    if (!tryLink(tmp, path)) throw busy(dir, 'unknown');
  } finally {
    closeSync(fd);
    rmSync(guard, { force: true });
  }
}

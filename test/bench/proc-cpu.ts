/**
 * CPU seconds of Dovecot, apart from the tool measured: the master (found by its config path in
 * /proc), the processes it started, and what those that ended left in its cutime/cstime
 * (proc(5), /proc/PID/stat fields 14–17, in clock ticks).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: the fields after its closing parenthesis.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i - 3]);
    return { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return null;
  }
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};

/** Milliseconds of CPU the Dovecot started with `configPath` has used so far, children included. */
export function dovecotCpuMs(configPath: string): number {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .flatMap((pid) => stat(pid) ?? []);
  const master = all.find((s) => cmdline(s.pid).includes(configPath) && cmdline(s.pid).includes('-F'));
  if (!master) return NaN;
  const tree = new Set([master.pid]);
  // Children of children too (imap-login, auth, imap): parents come before children in no order.
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of all)
      if (tree.has(s.ppid) && !tree.has(s.pid)) {
        tree.add(s.pid);
        grew = true;
      }
  }
  const ticks = all.filter((s) => tree.has(s.pid)).reduce((sum, s) => sum + s.ticks, 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { acquireLock } from '../../../relay/store/data-dir-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited and been reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const lockFile = () => join(dir, 'relay.lock');

it('holds the lock against a second taker, and lets go of it', () => {
  const release = acquireLock(dir);
  expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
  expect(() => acquireLock(dir)).toThrow(/Another relay \(pid \d+\) is using the data directory/);
  release();
  acquireLock(dir)();
});

it('takes over the lock of a dead relay, in the old format too', () => {
  for (const content of [
    JSON.stringify({ pid: deadPid(), start: '1', host: hostname() }),
    String(deadPid()),
  ]) {
    writeFileSync(lockFile(), content);
    const release = acquireLock(dir);
    expect(() => acquireLock(dir)).toThrow(/Another relay/);
    release();
  }
});

it('a live process with the pid of the dead holder but another start time does not hold it', () => {
  writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, start: 'not-my-start', host: hostname() }));
  acquireLock(dir)();
});

it('a lock being written (empty) is respected while fresh, taken over once old', () => {
  writeFileSync(lockFile(), '');
  expect(() => acquireLock(dir)).toThrow(/Another relay/);
  const old = new Date(Date.now() - 60_000);
  utimesSync(lockFile(), old, old);
  acquireLock(dir)();
});

it('a holder on another host is never judged dead from here', () => {
  writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), start: '1', host: `${hostname()}-elsewhere` }));
  expect(() => acquireLock(dir)).toThrow(/Another relay/);
});

it('a release does not remove a successor lock', () => {
  const release = acquireLock(dir);
  writeFileSync(lockFile(), JSON.stringify({ pid: 1, start: null, host: hostname() }));
  release();
  expect(readFileSync(lockFile(), 'utf8')).toContain('"pid":1');
});

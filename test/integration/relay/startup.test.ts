import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { relayCli as cli } from '../../helpers/relay-cli.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'mc-start-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** The CLI on this test's data directory; the exit code as a number (128 when killed by a signal). */
function relayCli(args: string[], env: Record<string, string> = {}) {
  const run = cli(args, { RELAY_DATA_DIR: dataDir, RELAY_PORT: '0', ...env });
  return { ...run, exited: run.exited.then(({ code, signal }) => code ?? (signal ? 128 : 1)) };
}

describe('relay start-up', () => {
  it('creates, lists and revokes tokens; only the hash is stored', async () => {
    const created = relayCli(['token', 'create', '--user', 'alice', '--roles', 'admin,ap-clerk']);
    expect(await created.exited).toBe(0);
    const token = created.out().trim();
    expect(token).toMatch(/^mc_[A-Za-z0-9_-]{40,}$/);
    const file = readFileSync(join(dataDir, 'tokens.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(statSync(join(dataDir, 'tokens.json')).mode & 0o077).toBe(0);
    const listed = relayCli(['token', 'list']);
    expect(await listed.exited).toBe(0);
    expect(listed.out()).toContain('alice');
    expect(listed.out()).toContain('admin, ap-clerk');
    const id = listed.out().split(/\s+/)[0]!;
    const revoked = relayCli(['token', 'revoke', id]);
    expect(await revoked.exited).toBe(0);
    expect(readFileSync(join(dataDir, 'tokens.json'), 'utf8')).toMatch(/"revokedAt": "\d{4}-/);
  });

  it('serves, generates its key with mode 0600, and stops on SIGTERM', async () => {
    const relay = relayCli(['serve']);
    await relay.waitFor('listening on');
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('refuses to start on a damaged data file, and leaves it as it was', async () => {
    writeFileSync(join(dataDir, 'db.json'), '{"version":1,"mailboxes":[{"id":', { mode: 0o600 });
    const relay = relayCli(['serve']);
    expect(await relay.exited).toBe(1);
    expect(relay.err()).toMatch(/db\.json is damaged: it is not valid JSON/);
    expect(readFileSync(join(dataDir, 'db.json'), 'utf8')).toBe('{"version":1,"mailboxes":[{"id":');
  });

  it('refuses a second relay on the same data directory', async () => {
    const first = relayCli(['serve']);
    await first.waitFor('listening on');
    const second = relayCli(['serve']);
    expect(await second.exited).toBe(1);
    expect(second.err()).toMatch(/Another relay \(pid \d+\) is using the data directory/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('starts right after a kill -9, while the dead relay is still a zombie', async () => {
    // `sleep` becomes the relay's parent and never reaps it: after SIGKILL the relay stays a zombie
    // (state Z in /proc) as long as the test wants, where a supervisor would reap it after ~1.5 s.
    const holder = spawn(
      'sh',
      ['-c', `"${process.execPath}" --import tsx relay/main.ts serve >/dev/null 2>&1 & exec sleep 60`],
      { env: { ...process.env, RELAY_DATA_DIR: dataDir, RELAY_PORT: '0' }, stdio: 'ignore' },
    );
    try {
      const lock = join(dataDir, 'relay.lock');
      for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
      const pid = (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid;
      process.kill(pid, 'SIGKILL');
      const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      for (let i = 0; i < 100 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(state()).toBe('Z');

      const next = relayCli(['serve']);
      await next.waitFor('listening on');
      expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(next.child.pid);
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refuses a bad variable with its name and reason', async () => {
    const relay = relayCli(['serve'], { RELAY_PORT: 'eighty' });
    expect(await relay.exited).toBe(1);
    expect(relay.err()).toContain('RELAY_PORT');
  });
});

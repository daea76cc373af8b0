import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRelay } from '../../../relay/boot.js';
import { loadConfig } from '../../../relay/config.js';
import { imapMailbox, startTestRelay } from '../../helpers/relay.js';
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

/** A refused start (issue 9): exit 1, exactly one line on stderr, no stack trace, nothing served. */
async function refused(run: ReturnType<typeof relayCli>) {
  expect(await run.exited, run.err()).toBe(1);
  expect(run.err()).not.toMatch(/\n\s+at /);
  expect(run.err().trimEnd().split('\n')).toHaveLength(1);
  expect(run.out()).not.toContain('listening on');
  return run.err().trimEnd();
}

describe('a key that does not open the stored secrets stops the relay', () => {
  const expectWords = (message: string, source: string, dir: string) => {
    expect(message).toContain(`The secret key from ${source} (id `);
    expect(message).toContain(`does not open the secrets stored in ${join(dir, 'db.json')}`);
    expect(message).toContain('(1 secret, sealed with another key: id ');
    expect(message).toContain('Set the key they were sealed with');
    expect(message).toContain('restore secret.key from your backup');
    expect(message).toContain('rotate-key cannot help, it needs the old key.');
  };

  it('serve with another RELAY_SECRET_KEY: exit 1 and one line that says what to do', async () => {
    const t = await startTestRelay();
    try {
      expect((await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox())).status).toBe(201);
      t.relay.release();
      const key = randomBytes(32).toString('hex');
      const run = relayCli(['serve'], { RELAY_DATA_DIR: t.dataDir, RELAY_SECRET_KEY: key });
      const message = await refused(run);
      expect(message).toMatch(/^Error: /);
      expectWords(message, 'RELAY_SECRET_KEY', t.dataDir);
      expect(message).not.toContain(key);
    } finally {
      await t.close();
    }
  });

  it('names RELAY_SECRET_KEY_FILE or the data directory key, and opens again with the right key', async () => {
    const t = await startTestRelay();
    try {
      expect((await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox())).status).toBe(201);
      t.relay.release();
      const right = readFileSync(join(t.dataDir, 'secret.key'), 'utf8');
      const other = join(dataDir, 'other.key');
      writeFileSync(other, randomBytes(32).toString('base64'), { mode: 0o600 });
      const refusal = (env: Record<string, string>) =>
        openRelay(loadConfig({ RELAY_DATA_DIR: t.dataDir, ...env })).then(
          () => expect.fail('opened with a wrong key'),
          (e: { kind: string; message: string }) => e,
        );
      const byFile = await refusal({ RELAY_SECRET_KEY_FILE: other });
      expect(byFile.kind).toBe('config');
      expectWords(byFile.message, `RELAY_SECRET_KEY_FILE=${other}`, t.dataDir);
      writeFileSync(join(t.dataDir, 'secret.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
      expectWords((await refusal({})).message, join(t.dataDir, 'secret.key'), t.dataDir);
      // secret.key restored from the backup: it opens, and the refusals left no lock behind.
      writeFileSync(join(t.dataDir, 'secret.key'), right, { mode: 0o600 });
      (await openRelay(loadConfig({ RELAY_DATA_DIR: t.dataDir }))).release();
    } finally {
      await t.close();
    }
  });

  it('any key will do while no secret is stored', async () => {
    const key = randomBytes(32).toString('hex');
    (await openRelay(loadConfig({ RELAY_DATA_DIR: dataDir, RELAY_SECRET_KEY: key }))).release();
  });
});

describe('start-up failures in one line, without a stack trace', () => {
  it('the port already in use', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = relayCli(['serve'], { RELAY_PORT: String(port) });
      expect(await refused(run)).toBe(
        `Error: Port ${port} on 127.0.0.1 is already in use (another relay or program); set RELAY_PORT or stop it.`,
      );
      expect(existsSync(join(dataDir, 'relay.lock'))).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('a file where the data directory should be (ENOTDIR)', async () => {
    writeFileSync(join(dataDir, 'file'), '');
    const inTheWay = join(dataDir, 'file', 'data');
    const message = await refused(relayCli(['serve'], { RELAY_DATA_DIR: inTheWay }));
    expect(message).toMatch(/^Error: The data directory \S+ cannot be created: a file is in the way/);
    expect(message).toContain(`(ENOTDIR: mkdir ${inTheWay})`);
    expect(message).toContain("the relay's user (");
    expect(message).toContain('must own it.');
  });

  it('anything else: "Error: …" and the hint; the stack only at RELAY_LOG_LEVEL=debug', async () => {
    mkdirSync(join(dataDir, 'a-directory'));
    const env = { RELAY_SECRET_KEY_FILE: join(dataDir, 'a-directory') };
    const [plain, debug] = [
      relayCli(['serve'], env),
      relayCli(['serve'], { ...env, RELAY_LOG_LEVEL: 'debug' }),
    ];
    expect(await refused(plain)).toBe(
      'Error: EISDIR: illegal operation on a directory, read (run with RELAY_LOG_LEVEL=debug for details)',
    );
    expect(await debug.exited).toBe(1);
    expect(debug.err()).toMatch(/^Error: EISDIR: illegal operation on a directory, read\n/);
    expect(debug.err()).toMatch(/\n\s+at .*loadSecretKey/);
  });
});

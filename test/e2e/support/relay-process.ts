import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../helpers/free-port.js';
import { ROOT } from './extension-build';

export interface RelayUser {
  user: string;
  roles?: string[];
}

export interface RelayProcess {
  url: string;
  /** An API token of the first user (by default alice, role admin), as `token create` printed it. */
  token: string;
  /** The API token of every user asked for, by user name. */
  tokens: Record<string, string>;
  dataDir: string;
  stop(): Promise<void>;
}

export interface RelayProcessOptions {
  /** PEM file(s) the relay trusts besides the system's (NODE_EXTRA_CA_CERTS): Dovecot's, the OIDC server's. */
  caCertPath: string;
  /** More environment, e.g. RELAY_MS_CLIENT_ID or RELAY_GOOGLE_TOKEN_URL. */
  env?: Record<string, string>;
  /** The users to create tokens for (default alice with role admin). */
  users?: RelayUser[];
}

const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
const main = path.join(ROOT, 'relay/main.ts');

/**
 * The real relay as users run it: `tsx relay/main.ts serve` in a child process, its own data dir,
 * loopback mail servers allowed (RELAY_ALLOW_HOSTS) and the test servers' CAs trusted.
 */
export async function startRelayProcess(opts: RelayProcessOptions): Promise<RelayProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'relay-e2e-'));
  const env = {
    ...process.env,
    RELAY_HOST: '127.0.0.1',
    RELAY_PORT: String(port),
    RELAY_DATA_DIR: dataDir,
    RELAY_ALLOW_HOSTS: '127.0.0.1',
    NODE_EXTRA_CA_CERTS: opts.caCertPath,
    ...opts.env,
  };
  const tokens: Record<string, string> = {};
  for (const { user, roles } of opts.users ?? [{ user: 'alice', roles: ['admin'] }]) {
    const args = [
      main,
      'token',
      'create',
      '--user',
      user,
      ...(roles?.length ? ['--roles', roles.join(',')] : []),
    ];
    const { stdout } = await promisify(execFile)(tsx, args, { cwd: ROOT, env });
    const token = stdout.trim().split('\n').at(-1) ?? '';
    if (!token) throw new Error(`relay token create printed no token for ${user}`);
    tokens[user] = token;
  }

  // Its own process group, so stop() ends tsx and the node process it starts, nothing else.
  const child: ChildProcess = spawn(tsx, [main, 'serve'], { cwd: ROOT, env, detached: true, stdio: 'pipe' });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, () => log);

  return {
    url,
    token: Object.values(tokens)[0] ?? '',
    tokens,
    dataDir,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}:\n${log()}`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`relay not healthy at ${url} within 30 s:\n${log()}`);
}

/**
 * Starts a throw-away Dovecot 2.3 IMAP server on loopback for integration tests. Needs root and the Debian
 * packages dovecot-imapd and openssl. Every instance has its own temp dir, ports, TLS certificate and users.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  delegatesFile,
  dovecotConfig,
  MAIL_GID,
  MAIL_UID,
  oauth2Args,
  passwdFile,
  type DovecotConfigInput,
  type DovecotOauth2Config,
} from './dovecot-config.js';
import { loginCapabilities, run, selfSignedCert, waitForPort, writeMaildir } from './dovecot-io.js';
import { freePort } from './free-port.js';

export interface DovecotUser {
  /** A plain name or an address (`alice@example.test`); OAuth logins need the address. */
  name: string;
  password: string;
}

/** Token logins (AUTH=XOAUTH2 and AUTH=OAUTHBEARER) validated by RFC 7662 introspection, e.g. `startOidc()`'s. */
export interface DovecotOauth2Options {
  /** e.g. `oidc.introspectUrl`; Dovecot posts `token=...` and wants `{ active: true, email, ... }`. */
  introspectionUrl: string;
  /** CA of the introspection server's certificate, e.g. `oidc.caCertPath`; copied into the server's dir. */
  caCertPath: string;
  /** Introspection field that must equal the SASL user (default 'email'). */
  usernameAttribute?: string;
  /**
   * Shared mailboxes: shared address → addresses of the delegates whose own tokens may open it, logging
   * in with the shared address as user (Office 365 "shared mailbox"). Shared addresses missing from
   * `users` are added with a random password.
   */
  delegates?: Record<string, string[]>;
  /** SASL mechanisms offered for tokens (default both); ['xoauth2'] looks like Office 365 to a client. */
  mechanisms?: ('xoauth2' | 'oauthbearer')[];
}

export interface DovecotOptions {
  users?: DovecotUser[];
  /** Capabilities to hide from the post-login CAPABILITY list, e.g. ['MOVE'] or ['MOVE', 'UIDPLUS']. */
  capabilitiesWithout?: string[];
  /** Also accept OAuth access tokens (XOAUTH2, OAUTHBEARER); password logins keep working. */
  oauth2?: DovecotOauth2Options;
}

export interface Dovecot {
  host: '127.0.0.1';
  imapsPort: number;
  imapPort: number;
  /** Plain IMAP without STARTTLS; on its own loopback address, because Dovecot sets TLS per local IP. */
  plainOnlyHost?: '127.0.0.2';
  plainOnlyPort?: number;
  caCertPath: string;
  caCertPem: string;
  dir: string;
  logPath: string;
  users: DovecotUser[];
  /** The post-login capabilities the server advertises (after `capabilitiesWithout`). */
  capabilities: string[];
  doveadm(args: string[], input?: Buffer | string): Promise<string>;
  createFolder(user: string, path: string): Promise<void>;
  deleteFolder(user: string, path: string): Promise<void>;
  appendMessage(user: string, folder: string, raw: Buffer | string): Promise<void>;
  /** Writes Maildir files directly; UIDs follow the order of `raws`. The folder must exist. */
  appendMessages(user: string, folder: string, raws: (Buffer | string)[]): Promise<void>;
  listUids(user: string, folder: string): Promise<number[]>;
  messageCount(user: string, folder: string): Promise<number>;
  /** Message-ID of every mail in the folder, in UID order ('' for none); also those flagged \Deleted. */
  messageIds(user: string, folder: string, opts?: { undeletedOnly?: boolean }): Promise<string[]>;
  uidValidity(user: string, folder: string): Promise<number>;
  /** Sets a new UIDVALIDITY (old + 1) and returns it. */
  bumpUidValidity(user: string, folder: string): Promise<number>;
  stop(): Promise<void>;
}

const DOVECOT = '/usr/sbin/dovecot';
const DOVEADM = '/usr/bin/doveadm';
const DEFAULT_USERS: DovecotUser[] = [
  { name: 'alice', password: 'alice-secret' },
  { name: 'bob', password: 'bob-secret' },
];
const START_TIMEOUT_MS = 15_000;

/** Default capability list of the installed Dovecot, learnt once per process (needs a running server). */
let defaultCapabilities: string[] | undefined;

export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  const users = withSharedMailboxes(opts.users ?? DEFAULT_USERS, opts.oauth2?.delegates);
  const firstUser = users[0];
  if (!firstUser) throw new Error('startDovecot needs at least one user');
  await access(DOVECOT).catch(() => {
    throw new Error(`${DOVECOT} missing: install the Debian packages dovecot-imapd and openssl`);
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'dovecot-'));
  let caCertPem: string;
  let oauth2: DovecotOauth2Config | undefined;
  try {
    caCertPem = await prepareDir(dir, users);
    if (opts.oauth2) oauth2 = await prepareOauth2(dir, opts.oauth2);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const caCertPath = path.join(dir, 'cert.pem');

  const imapPort = await freePort();
  let imapsPort = await freePort();
  while (imapsPort === imapPort) imapsPort = await freePort();
  // 127.0.0.2 is loopback on Linux without any setup, but stay usable where it is not.
  const plainOnly = await freePort('127.0.0.2').then(
    (port) => ({ host: '127.0.0.2' as const, port }),
    () => undefined,
  );
  const configPath = path.join(dir, 'dovecot.conf');
  const logPath = path.join(dir, 'dovecot.log');
  const without = new Set((opts.capabilitiesWithout ?? []).map((c) => c.toUpperCase()));
  const configInput = (caps?: string[]): DovecotConfigInput => ({
    dir,
    imapPort,
    imapsPort,
    ...(plainOnly && { plainOnly }),
    ...(caps && { imapCapability: caps.filter((c) => !without.has(c.toUpperCase())) }),
    ...(oauth2 && { oauth2 }),
  });
  const configured = without.size > 0 && defaultCapabilities ? defaultCapabilities : undefined;
  await writeFile(configPath, dovecotConfig(configInput(configured)));

  const doveadm = (args: string[], input?: Buffer | string): Promise<string> =>
    run(DOVEADM, ['-c', configPath, ...args], input);

  const child = spawn(DOVECOT, ['-F', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let spawnFailed = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      spawnFailed = true;
      stderr += String(err);
      resolve();
    });
  });
  const hasExited = (): boolean => spawnFailed || child.exitCode !== null || child.signalCode !== null;
  // A crashed or aborted test run must not leave a master process listening behind.
  const killOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (!hasExited()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const fail = async (message: string): Promise<never> => {
    const log = await readFile(logPath, 'utf8').catch(() => '');
    await stop();
    throw new Error(`${message}\n--- dovecot stderr ---\n${stderr}\n--- ${logPath} ---\n${log}`);
  };

  let capabilities: string[];
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (const port of [imapPort, imapsPort]) await waitForPort('127.0.0.1', port, deadline, hasExited);
    if (plainOnly) await waitForPort(plainOnly.host, plainOnly.port, deadline, hasExited);
    // The first login spawns the auth processes; do it here so the first test isn't the slow one.
    capabilities = await loginCapabilities(
      imapsPort,
      firstUser,
      caCertPem,
      without,
      configured ? deadline : 0,
    );
    if (!configured) defaultCapabilities = capabilities;
    if (without.size > 0 && !configured) {
      // Only a running server tells its default list; a reload (no restart) applies the trimmed one.
      await writeFile(configPath, dovecotConfig(configInput(defaultCapabilities)));
      await doveadm(['reload']);
      capabilities = await loginCapabilities(imapsPort, firstUser, caCertPem, without, deadline);
    }
  } catch (err) {
    return fail(`Dovecot did not start: ${err instanceof Error ? err.message : String(err)}`);
  }

  const mailboxPath = async (user: string, folder: string): Promise<string> =>
    (await doveadm(['mailbox', 'path', '-u', user, folder])).trim();

  const status = async (user: string, folder: string, field: string): Promise<number> => {
    // Tab format: a header line, then one line per mailbox; field order is Dovecot's, not ours.
    const [header = '', values = ''] = (
      await doveadm(['-f', 'tab', 'mailbox', 'status', '-u', user, field, folder])
    ).split('\n');
    const value = Number(values.split('\t')[header.split('\t').indexOf(field)]);
    if (!Number.isInteger(value)) throw new Error(`cannot read ${field} of ${user}/${folder}`);
    return value;
  };

  return {
    host: '127.0.0.1',
    imapsPort,
    imapPort,
    ...(plainOnly && { plainOnlyHost: plainOnly.host, plainOnlyPort: plainOnly.port }),
    caCertPath,
    caCertPem,
    dir,
    logPath,
    users,
    capabilities,
    doveadm,
    async createFolder(user, folder) {
      await doveadm(['mailbox', 'create', '-s', '-u', user, folder]);
    },
    async deleteFolder(user, folder) {
      await doveadm(['mailbox', 'delete', '-r', '-s', '-u', user, folder]);
    },
    async appendMessage(user, folder, raw) {
      await doveadm(['save', '-u', user, '-m', folder], raw);
    },
    async appendMessages(user, folder, raws) {
      // Also makes Dovecot create INBOX's Maildir on first use, and fails early for a missing folder.
      await status(user, folder, 'messages');
      await writeMaildir(await mailboxPath(user, folder), raws);
      // Have Dovecot pick the files up now, so UIDs exist before the test looks.
      await status(user, folder, 'messages');
    },
    async listUids(user, folder) {
      const out = await doveadm(['search', '-u', user, 'mailbox', folder, 'all']);
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => Number(line.split(' ')[1]))
        .sort((a, b) => a - b);
    },
    messageCount: (user, folder) => status(user, folder, 'messages'),
    async messageIds(user, folder, opts = {}) {
      const query = opts.undeletedOnly ? 'undeleted' : 'all';
      const out = await doveadm([
        '-f',
        'tab',
        'fetch',
        '-u',
        user,
        'uid hdr.message-id',
        'mailbox',
        folder,
        query,
      ]);
      return out
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => line.split('\t')[1] ?? '');
    },
    uidValidity: (user, folder) => status(user, folder, 'uidvalidity'),
    async bumpUidValidity(user, folder) {
      const next = (await status(user, folder, 'uidvalidity')) + 1;
      await doveadm(['mailbox', 'update', '-u', user, '--uid-validity', String(next), folder]);
      return next;
    },
    stop,
  };
}

/** Creates the directory layout, users and a TLS certificate; returns the certificate PEM. */
async function prepareDir(dir: string, users: DovecotUser[]): Promise<string> {
  // mkdtemp makes 0700, but Dovecot's unprivileged processes must reach the sockets and mail below it.
  await chmod(dir, 0o755);
  await Promise.all(['run', 'state'].map((d) => mkdir(path.join(dir, d))));
  for (const d of ['mail', 'home', ...users.map((u) => `home/${u.name}`)]) {
    await mkdir(path.join(dir, d));
    await chown(path.join(dir, d), MAIL_UID, MAIL_GID);
  }
  await writeFile(path.join(dir, 'passwd'), passwdFile(dir, users));
  return selfSignedCert(path.join(dir, 'key.pem'), path.join(dir, 'cert.pem'));
}

/** Adds every shared address of `delegates` that `users` lacks, with a random (unused) password. */
function withSharedMailboxes(users: DovecotUser[], delegates: Record<string, string[]> = {}): DovecotUser[] {
  const known = new Set(users.map((u) => u.name.toLowerCase()));
  const added = Object.keys(delegates)
    .filter((address) => !known.has(address.toLowerCase()))
    .map((name) => ({ name, password: randomBytes(12).toString('base64url') }));
  return added.length > 0 ? [...users, ...added] : users;
}

/** Writes the oauth2 passdb files; the auth process runs as user dovecot, so they must be world-readable. */
async function prepareOauth2(dir: string, o: DovecotOauth2Options): Promise<DovecotOauth2Config> {
  const caFile = path.join(dir, 'oauth2-ca.pem');
  await copyFile(o.caCertPath, caFile);
  await chmod(caFile, 0o644);
  const common = { introspectionUrl: o.introspectionUrl, caFile, usernameAttribute: o.usernameAttribute };
  const argsPath = path.join(dir, 'dovecot-oauth2.conf.ext');
  await writeFile(argsPath, oauth2Args(common), { mode: 0o644 });
  const mechanisms = o.mechanisms && { mechanisms: o.mechanisms };
  const shared = Object.keys(o.delegates ?? {});
  if (shared.length === 0) return { argsPath, ...mechanisms };
  if (shared.some((a) => !/^[^\s:/*?!]+$/.test(a))) throw new Error(`unusable shared address in ${shared}`);
  const sharedArgsPath = path.join(dir, 'dovecot-oauth2-delegated.conf.ext');
  await writeFile(sharedArgsPath, oauth2Args({ ...common, delegated: true }), { mode: 0o644 });
  const delegatesPath = path.join(dir, 'delegates');
  await writeFile(delegatesPath, delegatesFile(o.delegates ?? {}), { mode: 0o644 });
  return { argsPath, ...mechanisms, shared: { addresses: shared, argsPath: sharedArgsPath, delegatesPath } };
}

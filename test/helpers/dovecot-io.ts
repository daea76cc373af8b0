import { chown, readFile, rename, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { MAIL_GID, MAIL_UID } from './dovecot-config.js';
import { execOut } from './exec.js';

/** Runs a command, feeding `input` on stdin; resolves with stdout, rejects with stderr on failure. */
export const run = async (cmd: string, args: string[], input?: Buffer | string): Promise<string> =>
  (await execOut(cmd, args, input === undefined ? {} : { input })).toString('utf8');

export async function waitForPort(host: string, port: number, deadline: number, hasExited: () => boolean) {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (hasExited()) throw new Error('dovecot exited during start-up');
    if (Date.now() > deadline) throw new Error(`${host}:${port} not accepting connections`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let batchCounter = 0;

/**
 * Delivers messages straight into a Maildir folder: far faster than APPEND or `doveadm save` for
 * thousands of large mails. Dovecot gives new files their UIDs at its next sync, sorted by file name
 * (seconds, then the M part), so one timestamp plus a zero-padded counter keeps the caller's order.
 */
export async function writeMaildir(maildir: string, raws: (Buffer | string)[]): Promise<void> {
  const prefix = `${Math.floor(Date.now() / 1000)}.`;
  // Unique across calls in the same second; S= spares Dovecot a stat() per message.
  const suffix = `P${process.pid}Q${++batchCounter}.${hostname()}`;
  const names = raws.map((raw, i) => {
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    return `${prefix}M${String(i).padStart(6, '0')}${suffix},S=${size}`;
  });
  let next = 0;
  const writer = async (): Promise<void> => {
    for (let i = next++; i < raws.length; i = next++) {
      const file = path.join(maildir, 'tmp', names[i] as string);
      await writeFile(file, raws[i] as Buffer | string);
      await chown(file, MAIL_UID, MAIL_GID);
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  // Maildir protocol: files appear in new/ only complete, and in order, so a sync can't reorder them.
  for (const name of names) await rename(path.join(maildir, 'tmp', name), path.join(maildir, 'new', name));
}

/**
 * Logs in once over IMAPS and returns the post-login capabilities. Retries until none of `without` is
 * advertised (a config reload takes effect asynchronously) or `deadline` passes; 0 accepts any list.
 */
export async function loginCapabilities(
  port: number,
  user: { name: string; password: string },
  ca: string,
  without: Set<string>,
  deadline: number,
): Promise<string[]> {
  for (;;) {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: true,
      tls: { ca },
      auth: { user: user.name, pass: user.password },
      logger: false,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
    });
    await client.connect();
    const caps = [...client.capabilities].map(([k, v]) => (typeof v === 'number' ? `${k}=${v}` : k));
    await client.logout();
    if (!deadline || !caps.some((c) => without.has(c.toUpperCase()))) return caps;
    if (Date.now() > deadline) throw new Error(`capabilities still include one of ${[...without]}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Writes a self-signed certificate for CN=localhost with SAN DNS:localhost and IP:127.0.0.1 (it is its
 * own CA, so clients trust it with `ca: pem`); returns the certificate PEM.
 */
export async function selfSignedCert(keyPath: string, certPath: string, days = 2): Promise<string> {
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', '/CN=localhost'],
    ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ...['-keyout', keyPath, '-out', certPath],
  ]);
  return readFile(certPath, 'utf8');
}

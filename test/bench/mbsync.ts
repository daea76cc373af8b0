/**
 * mbsync (isync) pulling one IMAP folder into a local Maildir: the practical speed limit of the link,
 * against which the relay is measured. Timed from spawn to exit; peak RSS and CPU from GNU time.
 * `SSLType` is the isync 1.4 spelling (Debian 12); isync 1.5 calls it TLSType and still accepts SSLType.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Dovecot } from '../helpers/dovecot.js';
import { run } from '../helpers/dovecot-io.js';
import { BENCH_USER } from './seed.js';

const MBSYNC = '/usr/bin/mbsync';
const GNU_TIME = '/usr/bin/time';

/** isync provides mbsync, `time` provides GNU time; both are small Debian packages. */
export async function ensureTools(): Promise<void> {
  const missing = [...(existsSync(MBSYNC) ? [] : ['isync']), ...(existsSync(GNU_TIME) ? [] : ['time'])];
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(', ')} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('apt-get', args, { stdio: 'inherit', env });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`apt-get ${args[0]} failed`))));
    });
  await apt(['install', '-y', '-qq', ...missing]).catch(async () => {
    await apt(['update', '-qq']);
    await apt(['install', '-y', '-qq', ...missing]);
  });
}

function mbsyncrc(dovecot: Dovecot, password: string, maildir: string, folder: string): string {
  // isync 1.4 matches the host against the certificate's DNS names only; the harness's says localhost.
  return `IMAPAccount bench
Host localhost
Port ${dovecot.imapsPort}
User ${BENCH_USER}
Pass ${password}
SSLType IMAPS
CertificateFile ${dovecot.caCertPath}
SystemCertificates no

IMAPStore remote
Account bench

MaildirStore local
Path ${maildir}/
Inbox ${maildir}/INBOX

Channel bench
Far :remote:${folder}
Near :local:${folder}
Sync Pull
Create Near
# State beside the mails, not in ~/.mbsync/: a state left there from an earlier run makes mbsync take
# the fresh Maildir for a deleted one and refuse to create it.
SyncState *
`;
}

export interface MbsyncResult {
  ms: number;
  /** User + system CPU seconds × 1000. */
  cpuMs: number;
  peakRssMb: number;
  mails: number;
}

/** Pulls `folder` once into a fresh Maildir and checks that all `expected` mails arrived. */
export async function mbsyncPull(dovecot: Dovecot, folder: string, expected: number): Promise<MbsyncResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-mbsync-'));
  try {
    const password = dovecot.users.find((u) => u.name === BENCH_USER)?.password ?? '';
    const rc = path.join(dir, 'mbsyncrc');
    const timeOut = path.join(dir, 'time.out');
    // mbsync creates the folder (Create Near) but not the store's root.
    await mkdir(path.join(dir, 'mail'));
    await writeFile(rc, mbsyncrc(dovecot, password, path.join(dir, 'mail'), folder), { mode: 0o600 });
    const started = process.hrtime.bigint();
    await run(GNU_TIME, ['-f', '%M %U %S', '-o', timeOut, MBSYNC, '-q', '-c', rc, 'bench']);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const box = path.join(dir, 'mail', folder);
    const mails =
      (await readdir(path.join(box, 'cur'))).length + (await readdir(path.join(box, 'new'))).length;
    if (mails !== expected)
      throw new Error(`mbsync pulled ${mails} mails of ${folder}, expected ${expected}`);
    // The last line; GNU time puts a note about a non-zero exit above it.
    const [maxRssKb, user, sys] = ((await readFile(timeOut, 'utf8')).trim().split('\n').pop() ?? '')
      .split(' ')
      .map(Number);
    return { ms, cpuMs: ((user ?? NaN) + (sys ?? NaN)) * 1000, peakRssMb: (maxRssKb ?? NaN) / 1024, mails };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

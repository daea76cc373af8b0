import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../relay/log/logger.js';
import { createImapDriver } from '../../relay/mail/imap/driver.js';
import { parseAllowList } from '../../relay/mail/net-guard.js';
import type { Caller } from '../../relay/store/repository.js';
import type { MailboxCreate } from '../../shared/mailbox.js';
import type { ImportRun } from '../../shared/run.js';
import { type Dovecot, type DovecotOptions, startDovecot } from './dovecot.js';
import { startTestRelay, type TestRelay } from './relay.js';

export const ADMIN: Caller = { user: 'admin', roles: ['admin'], tokenId: 'test' };

export interface ImportEnv {
  dovecot: Dovecot;
  t: TestRelay;
  /** A mailbox of alice's over IMAPS (or `imap`) with its three folders created. */
  mailbox(
    folders?: { source?: string; imported?: string; notImported?: string },
    imap?: { host: string; port: number; security: 'tls' | 'starttls' | 'none' },
  ): Promise<string>;
  run(mailboxId: string): Promise<ImportRun>;
  outbox(mailboxId: string): { key: string; files: string[]; meta: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** What the import tests create: alice's INBOX on the test Dovecot, for the role ap-clerk. */
export const alicesMailbox = (
  imap: MailboxCreate['imap'],
  folders: { source: string; imported: string; notImported: string },
): MailboxCreate => ({
  provider: 'imap',
  description: 'Invoices',
  company: 'Acme GmbH',
  access: { role: 'ap-clerk' },
  autoProcessing: false,
  schedule: '*/5 * * * *',
  imap,
  username: 'alice',
  password: 'alice-secret',
  folders,
});

/** The real relay on a fresh data directory, importing from a real Dovecot. */
export async function startImportEnv(
  opts: { dovecot?: DovecotOptions; env?: Record<string, string>; log?: Logger } = {},
): Promise<ImportEnv> {
  const dovecot = await startDovecot(opts.dovecot);
  const driver = createImapDriver({ allow: parseAllowList(['127.0.0.1']), tls: { ca: dovecot.caCertPem } });
  const t = await startTestRelay({
    driver,
    env: { RELAY_RETRY_BASE_SECONDS: '0', ...opts.env },
    ...(opts.log && { log: opts.log }),
  });
  return {
    dovecot,
    t,
    async mailbox(f = {}, imap = { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' as const }) {
      const folders = { source: 'INBOX', imported: 'Imported', notImported: 'NotImported', ...f };
      for (const path of [folders.source, folders.imported, folders.notImported])
        if (path !== 'INBOX') await dovecot.createFolder('alice', path).catch(() => {});
      const m = await t.relay.mailboxes.create(ADMIN, alicesMailbox(imap, folders));
      return m.id;
    },
    async run(id) {
      return (await t.relay.imports.start(id, 'manual')).done;
    },
    outbox(id) {
      const dir = join(t.dataDir, 'outbox', id);
      if (!existsSync(dir)) return [];
      return readdirSync(dir).map((key) => ({
        key,
        files: readdirSync(join(dir, key))
          .filter((f) => f !== 'message.json')
          .sort(),
        meta: JSON.parse(readFileSync(join(dir, key, 'message.json'), 'utf8')) as Record<string, unknown>,
      }));
    },
    async close() {
      await t.close();
      await dovecot.stop();
    },
  };
}

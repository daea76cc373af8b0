/** The MailboxDriver for plain IMAP servers (and, through XOAUTH2, Office 365 and Gmail). */
import type { MailboxDriver } from '../driver.js';
import { checkImap } from './check.js';
import { connectImap, type ImapDriverOptions } from './connect.js';
import { ImapSession } from './session.js';

export type { ImapDriverOptions } from './connect.js';

export function createImapDriver(opts: ImapDriverOptions): MailboxDriver {
  return {
    check: (target) => checkImap(target, opts),
    async open(target) {
      const client = await connectImap(target, opts);
      const { host, port } = target.imap;
      return new ImapSession(client, { host, port, credentials: target.credentials.type });
    },
  };
}

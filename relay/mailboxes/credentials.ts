import type { ConnectTarget } from '../mail/driver.js';
import type { OAuthTokens } from '../oauth/token-service.js';
import type { StoredMailbox } from '../store/records.js';
import type { MailboxService } from './service.js';

export type TargetOverrides = Partial<{ imap: ConnectTarget['imap']; username: string; password: string }>;

/** How the driver logs in to a mailbox: its password, or a fresh OAuth access token (XOAUTH2). */
export class CredentialResolver {
  constructor(
    private readonly mailboxes: MailboxService,
    private readonly tokens: OAuthTokens,
  ) {}

  async targetFor(m: StoredMailbox, overrides: TargetOverrides = {}): Promise<ConnectTarget> {
    if (m.provider === 'imap') return this.mailboxes.connectTarget(m, overrides);
    const accessToken = await this.tokens.accessToken(m);
    // "Use shared mailbox": the delegate's token, the shared address as the IMAP user.
    const username =
      m.sharedMailbox?.enabled && m.sharedMailbox.address ? m.sharedMailbox.address : m.username;
    return { imap: overrides.imap ?? m.imap, username, credentials: { type: 'oauth2', accessToken } };
  }
}

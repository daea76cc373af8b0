import { RelayError } from '../errors.js';
import type { ConnectTarget } from '../mail/driver.js';
import type { OAuthTokens } from '../oauth/token-service.js';
import type { StoredMailbox } from '../store/records.js';
import { checkOAuthHost } from './oauth-hosts.js';
import type { MailboxService } from './service.js';

export type TargetOverrides = Partial<{
  imap: ConnectTarget['imap'];
  username: string;
  password: string;
  sharedMailbox: StoredMailbox['sharedMailbox'];
}>;

/** How the driver logs in to a mailbox: its password, or a fresh OAuth access token (XOAUTH2). */
export class CredentialResolver {
  constructor(
    private readonly mailboxes: MailboxService,
    private readonly tokens: OAuthTokens,
  ) {}

  async targetFor(m: StoredMailbox, overrides: TargetOverrides = {}): Promise<ConnectTarget> {
    if (m.provider === 'imap') return this.mailboxes.connectTarget(m, overrides);
    if (overrides.imap) checkOAuthHost(m.provider, overrides.imap.host, this.mailboxes.isHostAllowed);
    const accessToken = await this.tokens.accessToken(m);
    // "Use shared mailbox": the delegate's token, the shared address as the IMAP user.
    if (overrides.sharedMailbox && m.provider !== 'microsoft')
      throw new RelayError('validation', 'sharedMailbox is only available for Office 365 mailboxes', {
        field: 'sharedMailbox',
      });
    const shared = overrides.sharedMailbox ?? m.sharedMailbox;
    const username = shared?.enabled && shared.address ? shared.address : m.username;
    return { imap: overrides.imap ?? m.imap, username, credentials: { type: 'oauth2', accessToken } };
  }
}

import { randomUUID } from 'node:crypto';
import { PROVIDER_DEFAULTS } from '../../shared/imap-settings.js';
import { initialState } from '../../shared/mailbox.js';
import type { OAuthProvider } from '../../shared/oauth.js';
import { RelayError } from '../errors.js';
import { canManage } from '../mailboxes/access.js';
import type { MailboxService } from '../mailboxes/service.js';
import type { MailboxRepository } from '../store/repository.js';
import type { StoredMailbox } from '../store/records.js';
import type { Caller } from '../store/repository.js';
import type { PendingFlowRepository } from '../store/repository.js';
import { pkcePair } from './pending-flows.js';
import type { SignedIn } from './provider.js';
import { readRedirect } from './redirect-result.js';
import type { OAuthTokens, Providers } from './token-service.js';

/**
 * New → Office 365 / Gmail and Reconnect: start returns the provider's sign-in URL for
 * launchWebAuthFlow, complete redeems the code and creates the mailbox, prefilled, or re-authorises
 * the one being reconnected (its configuration and ledger stay as they were).
 */
export class ConnectFlow {
  constructor(
    private readonly providers: Providers,
    private readonly flows: PendingFlowRepository,
    private readonly mailboxes: MailboxService,
    private readonly repo: MailboxRepository,
    private readonly tokens: OAuthTokens,
  ) {}

  async start(caller: Caller, provider: OAuthProvider, redirectUri: string, mailboxId?: string) {
    if (mailboxId !== undefined) {
      const m = await this.mailboxes.get(caller, mailboxId, 'manage');
      if (m.provider !== provider)
        throw new RelayError('validation', `mailboxId is not a ${provider} mailbox`, { field: 'mailboxId' });
    }
    const { verifier, challenge } = pkcePair();
    const state = await this.flows.create({
      kind: 'connect',
      provider,
      tokenId: caller.tokenId,
      redirectUri,
      codeVerifier: verifier,
      mailboxId,
    });
    return {
      authUrl: await this.providers[provider].authUrl({ redirectUri, state, codeChallenge: challenge }),
      state,
    };
  }

  async complete(
    caller: Caller,
    provider: OAuthProvider,
    state: string,
    redirectUrl: string,
  ): Promise<StoredMailbox> {
    const flow = await this.flows.take(state, caller.tokenId, 'connect');
    if (flow.provider !== provider)
      throw new RelayError('validation', 'state belongs to another provider', { field: 'state' });
    const code = readRedirect(redirectUrl, flow.redirectUri, state).get('code')!;
    const signedIn = await this.providers[provider].redeem({
      code,
      redirectUri: flow.redirectUri,
      codeVerifier: flow.codeVerifier,
    });
    const existing = flow.mailboxId ?? (await this.findSame(caller, provider, signedIn.address))?.id;
    const saved = existing
      ? await this.reauthorise(existing, signedIn)
      : await this.create(caller, provider, signedIn);
    this.tokens.remember(saved.id, signedIn.accessToken, signedIn.expiresAt);
    return saved;
  }

  /** A fresh sign-in of an account the caller already manages re-authorises that mailbox. */
  private async findSame(caller: Caller, provider: OAuthProvider, address: string) {
    return (await this.mailboxes.list(caller)).find(
      (m) =>
        canManage(caller, m) &&
        m.provider === provider &&
        // One delegate may connect several shared mailboxes: each stays its own configuration.
        !m.sharedMailbox?.enabled &&
        m.account?.address.toLowerCase() === address.toLowerCase(),
    );
  }

  private account(s: SignedIn) {
    return {
      address: s.address,
      tenant: s.tenant,
      expiresAt: s.expiresAt?.toISOString() ?? null,
      refreshExpiresAt: s.refreshExpiresAt?.toISOString() ?? null,
    };
  }

  private async reauthorise(id: string, s: SignedIn) {
    const current = await this.repo.get(id);
    const known = current?.account?.address;
    // Another account's grant would log in as someone else, or fail at every login.
    if (known && known.toLowerCase() !== s.address.toLowerCase())
      throw new RelayError(
        'conflict',
        `You signed in as ${s.address}, but this mailbox is connected as ${known}. Sign in as ${known}, or add a new mailbox.`,
      );
    const saved = await this.repo.update(id, (m) => ({
      ...m,
      account: this.account(s),
      secrets: { ...m.secrets, oauth: this.tokens.seal(id, s.secret) },
      state: { ...m.state, status: 'ok', error: null, paused: false, failedRuns: 0 },
      updatedAt: new Date().toISOString(),
    }));
    if (!saved) throw new RelayError('not_found', 'The mailbox being reconnected was deleted.');
    this.mailboxes.announce(saved);
    return saved;
  }

  private async create(caller: Caller, provider: OAuthProvider, s: SignedIn) {
    const id = randomUUID();
    const at = new Date().toISOString();
    const m: StoredMailbox = {
      id,
      provider,
      description: s.address,
      // "Now do fill in the Company related to this mailbox" (seed page): left for the user.
      company: '',
      access: { user: caller.user },
      autoProcessing: false,
      schedule: '*/5 * * * *',
      imap: PROVIDER_DEFAULTS[provider],
      username: s.address,
      sharedMailbox: provider === 'microsoft' ? { enabled: false, address: null } : null,
      folders: { source: 'INBOX', imported: null, notImported: null },
      account: this.account(s),
      state: initialState(),
      createdBy: caller.user,
      createdAt: at,
      updatedAt: at,
      secrets: { oauth: this.tokens.seal(id, s.secret) },
    };
    await this.repo.insert(m);
    this.mailboxes.announce(m);
    return m;
  }
}

import { RelayError } from '../errors.js';
import type { MailboxService } from '../mailboxes/service.js';
import type { StoredMailbox } from '../store/records.js';
import type { SecretBox } from '../store/secret-box.js';
import type { OAuthProviderClient, OAuthSecret } from './provider.js';

/** Refresh this long before expiry so a token never runs out in the middle of a run. */
const MARGIN_MS = 5 * 60_000;

export type Providers = Record<'microsoft' | 'google', OAuthProviderClient>;

/**
 * Access tokens for OAuth mailboxes: reused until shortly before they expire, refreshed once even
 * when several runs ask at the same time, rotated refresh tokens stored before use, and a refused
 * grant turned into `needs_reauth` with the schedule paused until the user reconnects.
 */
export class OAuthTokens {
  private readonly cached = new Map<string, { token: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly providers: Providers,
    private readonly mailboxes: MailboxService,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  seal(mailboxId: string, secret: OAuthSecret) {
    return this.box.seal(JSON.stringify(secret), mailboxId, 'oauth');
  }

  open(m: StoredMailbox): OAuthSecret {
    if (!m.secrets.oauth) throw new RelayError('needs_reauth', 'This mailbox has no sign-in: reconnect it.');
    return JSON.parse(this.box.open(m.secrets.oauth, m.id, 'oauth')) as OAuthSecret;
  }

  remember(mailboxId: string, token: string, expiresAt: Date | null) {
    this.cached.set(mailboxId, { token, expiresAt: expiresAt?.getTime() ?? this.now() + 30 * 60_000 });
  }

  forget(mailboxId: string) {
    this.cached.delete(mailboxId);
  }

  async accessToken(m: StoredMailbox): Promise<string> {
    const hit = this.cached.get(m.id);
    if (hit && hit.expiresAt - MARGIN_MS > this.now()) return hit.token;
    const running = this.inflight.get(m.id);
    if (running) return running;
    const p = this.refresh(m).finally(() => this.inflight.delete(m.id));
    this.inflight.set(m.id, p);
    return p;
  }

  private async refresh(m: StoredMailbox): Promise<string> {
    if (m.provider === 'imap') throw new RelayError('internal', 'Not an OAuth mailbox.');
    try {
      const fresh = await this.providers[m.provider].refresh(this.open(m));
      await this.mailboxes.patchState(m.id, (x) => ({
        ...x,
        ...(fresh.secret ? { secrets: { ...x.secrets, oauth: this.seal(m.id, fresh.secret) } } : {}),
        account: x.account && {
          ...x.account,
          expiresAt: fresh.expiresAt?.toISOString() ?? null,
          ...(fresh.refreshExpiresAt !== undefined && {
            refreshExpiresAt: fresh.refreshExpiresAt?.toISOString() ?? null,
          }),
        },
      }));
      this.remember(m.id, fresh.accessToken, fresh.expiresAt);
      return fresh.accessToken;
    } catch (e) {
      if (e instanceof RelayError && e.kind === 'needs_reauth') {
        this.forget(m.id);
        await this.mailboxes.patchState(m.id, (x) => ({
          ...x,
          state: { ...x.state, status: 'needs_reauth', error: e.toInfo(), paused: true, nextRun: null },
        }));
      }
      throw e;
    }
  }
}

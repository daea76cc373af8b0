import { ROLE_AAD_MANAGER } from '../../shared/me.js';
import { RelayError } from '../errors.js';
import type { StoredConsent } from '../store/records.js';
import type { ConsentRepository } from '../store/repository.js';
import type { Caller } from '../store/token-store.js';
import type { MicrosoftOAuth } from './microsoft.js';
import type { PendingFlows } from './pending-flows.js';
import { readRedirect } from './redirect-result.js';

const notGiven = () =>
  new RelayError(
    'access_denied',
    'The consent was not given on behalf of the organisation. Click "Office365 Consent" again, tick "Consent on behalf of your organization" and accept.',
  );

/**
 * "Office365 Consent" (seed page): an Azure Active Directory Manager grants the app tenant-wide,
 * once, so users whose directory forbids user consent can connect their mailboxes.
 */
export class ConsentFlow {
  constructor(
    private readonly microsoft: MicrosoftOAuth,
    private readonly flows: PendingFlows,
    private readonly consents: ConsentRepository,
  ) {}

  private mustManage(caller: Caller) {
    if (!caller.roles.includes(ROLE_AAD_MANAGER))
      throw new RelayError(
        'forbidden',
        `Only users with the role "${ROLE_AAD_MANAGER}" may give the Office 365 consent.`,
      );
  }

  start(caller: Caller, redirectUri: string) {
    this.mustManage(caller);
    const state = this.flows.create({
      kind: 'consent',
      provider: 'microsoft',
      tokenId: caller.tokenId,
      redirectUri,
      codeVerifier: '',
      mailboxId: undefined,
    });
    return { authUrl: this.microsoft.adminConsentUrl({ redirectUri, state }), state };
  }

  async complete(caller: Caller, state: string, redirectUrl: string): Promise<StoredConsent> {
    this.mustManage(caller);
    const flow = this.flows.take(state, caller.tokenId, 'consent');
    let q: URLSearchParams;
    try {
      q = readRedirect(redirectUrl, flow.redirectUri, state, 'tenant');
    } catch (e) {
      // The one asking is the administrator: "ask your administrator" would help nobody here.
      if (e instanceof RelayError && (e.kind === 'consent_required' || e.kind === 'access_denied'))
        throw notGiven();
      throw e;
    }
    if (!/^true$/i.test(q.get('admin_consent') ?? '')) throw notGiven();
    const consent = {
      tenant: q.get('tenant')!,
      consentedAt: new Date().toISOString(),
      consentedBy: caller.user,
    };
    await this.consents.recordConsent(consent);
    return consent;
  }

  list() {
    return this.consents.listConsents();
  }
}

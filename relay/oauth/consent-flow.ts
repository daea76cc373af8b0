import { ROLE_AAD_MANAGER } from '../../shared/me.js';
import { RelayError } from '../errors.js';
import type { StoredConsent } from '../store/records.js';
import type { ConsentRepository } from '../store/repository.js';
import type { Caller } from '../store/repository.js';
import { aadstsCode } from './aadsts.js';
import type { MicrosoftOAuth } from './microsoft.js';
import type { PendingFlowRepository } from '../store/repository.js';
import { oauthError, readRedirect } from './redirect-result.js';

const notGiven = () =>
  new RelayError(
    'access_denied',
    'The consent was not given on behalf of the organisation. Click "Office365 Consent" again, tick "Consent on behalf of your organization" and accept.',
  );

/** AADSTS90094 / 90095 here: the account signed in lacks an admin role in Entra ID. */
const notAnAdmin = () =>
  new RelayError(
    'consent_required',
    'This Microsoft account may not consent for the whole organisation. Click "Office365 Consent" again and sign in as a Global Administrator, Privileged Role Administrator or Cloud Application Administrator of your Entra ID.',
  );

/** AADSTS700016 here: consenting would create the app in the tenant, so the relay names a wrong one. */
const appUnknown = () =>
  new RelayError(
    'config',
    "Microsoft does not know the relay's Office 365 app (AADSTS700016). Tell the relay's administrator to check RELAY_MS_CLIENT_ID and RELAY_MS_AUTHORITY.",
    { adminFault: true },
  );

const AT_ADMIN_CONSENT: Readonly<Record<string, () => RelayError>> = {
  '90094': notAnAdmin,
  '90095': notAnAdmin,
  '700016': appUnknown,
};

/**
 * The one asking is the administrator: "ask your administrator" would help nobody here, except where
 * someone else has to act (an app assignment, the relay's own configuration).
 */
function adminConsentError(error: string, description: string): RelayError {
  const code = aadstsCode(`${error} ${description}`);
  const special = code === undefined ? undefined : AT_ADMIN_CONSENT[code];
  if (special) return special();
  const e = oauthError(error, description);
  // 65004 is both Cancel and Accept with the "on behalf of" box unticked; a bare access_denied, Cancel.
  const declined = e.kind === 'access_denied' && (code === undefined || code === '65004');
  return declined || e.kind === 'consent_required' ? notGiven() : e;
}

/**
 * "Office365 Consent" (seed page): an Azure Active Directory Manager grants the app tenant-wide,
 * once, so users whose directory forbids user consent can connect their mailboxes.
 */
export class ConsentFlow {
  constructor(
    private readonly microsoft: MicrosoftOAuth,
    private readonly flows: PendingFlowRepository,
    private readonly consents: ConsentRepository,
  ) {}

  private mustManage(caller: Caller) {
    if (!caller.roles.includes(ROLE_AAD_MANAGER))
      throw new RelayError(
        'forbidden',
        `Only users with the role "${ROLE_AAD_MANAGER}" may give the Office 365 consent.`,
      );
  }

  async start(caller: Caller, redirectUri: string) {
    this.mustManage(caller);
    const state = await this.flows.create({
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
    const flow = await this.flows.take(state, caller.tokenId, 'consent');
    const q = readRedirect(redirectUrl, flow.redirectUri, state, 'tenant', adminConsentError);
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

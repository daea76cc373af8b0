import {
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  ProtocolMode,
  type AuthenticationResult,
} from '@azure/msal-node';
import type { Config } from '../config.js';
import { RelayError } from '../errors.js';
import type { FreshToken, OAuthProviderClient, OAuthSecret, SignedIn } from './provider.js';
import { claim, oauthError } from './redirect-result.js';

/**
 * Microsoft's refresh tokens end after 90 days without use ("Configurable token lifetimes in the
 * Microsoft identity platform": refresh token inactivity); each refresh starts the window again.
 */
const REFRESH_INACTIVITY_MS = 90 * 86_400_000;
const inactivityEnd = () => new Date(Date.now() + REFRESH_INACTIVITY_MS);

/** Delegated IMAP access (Microsoft: "Authenticate an IMAP connection using OAuth"). */
export const MS_SCOPES = ['https://outlook.office.com/IMAP.AccessAsUser.All', 'offline_access'];

const isMicrosoftCloud = (authority: string) =>
  /(^|\.)login\.microsoftonline\.(com|us|de)$|(^|\.)login\.partner\.microsoftonline\.cn$/.test(
    new URL(authority).hostname,
  );

function msalError(e: unknown): RelayError {
  if (e instanceof RelayError) return e;
  const err = e as { errorCode?: string; errorMessage?: string };
  // errorMessage holds the token endpoint's error_description, and oauthError lets its AADSTS code win:
  // a bad client secret (invalid_client, AADSTS7000215) is the relay administrator's, not a reconnect.
  if (e instanceof InteractionRequiredAuthError) return oauthError('invalid_grant', err.errorMessage ?? '');
  if (err.errorCode) return oauthError(err.errorCode, err.errorMessage ?? '');
  return new RelayError('network', 'The Microsoft sign-in service could not be reached.', { cause: e });
}

/** Office 365 through MSAL's confidential client; its token cache is the stored secret. */
export class MicrosoftOAuth implements OAuthProviderClient {
  constructor(private readonly cfg: Config['microsoft']) {}

  get configured() {
    return Boolean(this.cfg.clientId && this.cfg.clientSecret);
  }

  /** A fresh client per use: each mailbox's cache stays its own (one account per cache). */
  private client(cache?: string) {
    if (!this.cfg.clientId || !this.cfg.clientSecret)
      throw new RelayError(
        'config',
        'Office 365 is not configured: set RELAY_MS_CLIENT_ID and RELAY_MS_CLIENT_SECRET.',
      );
    const authority = this.cfg.authority.replace(/\/+$/, '');
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: this.cfg.clientId,
        clientSecret: this.cfg.clientSecret,
        authority,
        // Any authority but Microsoft's own clouds (a test or sovereign OIDC server) is used as plain OIDC.
        ...(isMicrosoftCloud(authority)
          ? {}
          : { knownAuthorities: [new URL(authority).host], protocolMode: ProtocolMode.OIDC }),
      },
      system: { loggerOptions: { piiLoggingEnabled: false, logLevel: 0, loggerCallback: () => {} } },
    });
    if (cache) cca.getTokenCache().deserialize(cache);
    return cca;
  }

  async authUrl(opts: { redirectUri: string; state: string; codeChallenge: string }) {
    return this.client().getAuthCodeUrl({
      scopes: MS_SCOPES,
      redirectUri: opts.redirectUri,
      state: opts.state,
      codeChallenge: opts.codeChallenge,
      codeChallengeMethod: 'S256',
      prompt: 'select_account',
    });
  }

  async redeem(opts: { code: string; redirectUri: string; codeVerifier: string }): Promise<SignedIn> {
    const cca = this.client();
    let result: AuthenticationResult;
    try {
      result = await cca.acquireTokenByCode({
        code: opts.code,
        redirectUri: opts.redirectUri,
        codeVerifier: opts.codeVerifier,
        scopes: MS_SCOPES,
      });
    } catch (e) {
      throw msalError(e);
    }
    const claims = (result.idTokenClaims ?? {}) as Record<string, unknown>;
    const address = claim(claims, 'preferred_username', 'upn', 'email') ?? result.account?.username ?? null;
    if (!address || !result.account)
      throw new RelayError('protocol', 'The Microsoft sign-in returned no account address.');
    return {
      address,
      tenant: claim(claims, 'tid') ?? result.account.tenantId ?? null,
      secret: {
        kind: 'msal',
        cache: cca.getTokenCache().serialize(),
        homeAccountId: result.account.homeAccountId,
      },
      accessToken: result.accessToken,
      expiresAt: result.expiresOn,
      refreshExpiresAt: inactivityEnd(),
    };
  }

  async refresh(secret: OAuthSecret): Promise<FreshToken> {
    if (secret.kind !== 'msal') throw new RelayError('internal', 'Not a Microsoft sign-in.');
    const cca = this.client(secret.cache);
    try {
      const account = await cca.getTokenCache().getAccountByHomeId(secret.homeAccountId);
      if (!account) throw oauthError('invalid_grant');
      const result = await cca.acquireTokenSilent({ account, scopes: MS_SCOPES });
      const cache = cca.getTokenCache().serialize();
      // MSAL rotates refresh tokens; the new cache must be stored or the next refresh fails.
      return {
        accessToken: result.accessToken,
        expiresAt: result.expiresOn,
        secret: cache === secret.cache ? null : { ...secret, cache },
        refreshExpiresAt: inactivityEnd(),
      };
    } catch (e) {
      throw msalError(e);
    }
  }

  /** Microsoft has no refresh-token revocation endpoint for apps; deleting the cache forgets it. */
  async revoke(): Promise<void> {}

  adminConsentUrl(opts: { redirectUri: string; state: string }): string {
    if (!this.cfg.clientId)
      throw new RelayError('config', 'Office 365 is not configured: set RELAY_MS_CLIENT_ID.');
    // Microsoft identity platform v2.0 admin consent endpoint ("Grant tenant-wide admin consent").
    const url = new URL(`${this.cfg.authority.replace(/\/+$/, '')}/v2.0/adminconsent`);
    url.searchParams.set('client_id', this.cfg.clientId);
    url.searchParams.set('scope', 'https://outlook.office.com/.default');
    url.searchParams.set('redirect_uri', opts.redirectUri);
    url.searchParams.set('state', opts.state);
    return url.toString();
  }
}

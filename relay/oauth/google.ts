import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import type { Config } from '../config.js';
import { RelayError } from '../errors.js';
import type { FreshToken, OAuthProviderClient, OAuthSecret, SignedIn } from './provider.js';
import { claim, idTokenClaims, oauthError } from './redirect-result.js';

/** IMAP needs the full mail scope (Google: "OAuth 2.0 Mechanism" for IMAP/SMTP). */
export const GOOGLE_MAIL_SCOPE = 'https://mail.google.com/';
const SCOPES = ['openid', 'email', GOOGLE_MAIL_SCOPE];

function refreshEnd(t: { refresh_token_expires_in?: unknown }): Date | null {
  const s = Number(t.refresh_token_expires_in);
  return Number.isFinite(s) && s > 0 ? new Date(Date.now() + s * 1000) : null;
}

function googleError(e: unknown): RelayError {
  if (e instanceof RelayError) return e;
  const data = (e as { response?: { data?: { error?: string; error_description?: string } } }).response?.data;
  if (data?.error) return oauthError(data.error, data.error_description ?? '');
  return new RelayError('network', 'The Google sign-in service could not be reached.', { cause: e });
}

/** Gmail through Google's official client; the refresh token is the stored secret. */
export class GoogleOAuth implements OAuthProviderClient {
  constructor(private readonly cfg: Config['google']) {}

  get configured() {
    return Boolean(this.cfg.clientId && this.cfg.clientSecret);
  }

  private client(redirectUri?: string) {
    if (!this.cfg.clientId || !this.cfg.clientSecret)
      throw new RelayError(
        'config',
        'Gmail is not configured: set RELAY_GOOGLE_CLIENT_ID and RELAY_GOOGLE_CLIENT_SECRET.',
      );
    return new OAuth2Client({
      clientId: this.cfg.clientId,
      clientSecret: this.cfg.clientSecret,
      ...(redirectUri ? { redirectUri } : {}),
      endpoints: {
        oauth2AuthBaseUrl: this.cfg.authUrl,
        oauth2TokenUrl: this.cfg.tokenUrl,
        oauth2RevokeUrl: this.cfg.revokeUrl,
      },
    });
  }

  async authUrl(opts: { redirectUri: string; state: string; codeChallenge: string }) {
    // offline + consent: Google returns a refresh token only then, also for an account seen before.
    return this.client(opts.redirectUri).generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: SCOPES,
      state: opts.state,
      code_challenge: opts.codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
      include_granted_scopes: true,
    });
  }

  async redeem(opts: { code: string; redirectUri: string; codeVerifier: string }): Promise<SignedIn> {
    let tokens;
    try {
      tokens = (
        await this.client(opts.redirectUri).getToken({
          code: opts.code,
          codeVerifier: opts.codeVerifier,
          redirect_uri: opts.redirectUri,
        })
      ).tokens;
    } catch (e) {
      throw googleError(e);
    }
    // RFC 6749 §5.1: no `scope` means the scope requested was granted. One without the mail scope is
    // Google's granular consent with the Gmail box unticked. (getToken passes `scope` on as it came.)
    if (typeof tokens.scope === 'string' && !tokens.scope.split(' ').includes(GOOGLE_MAIL_SCOPE))
      throw new RelayError(
        'access_denied',
        'Google did not grant access to the mailbox. Connect again and tick "Read, compose, send and permanently delete all your email from Gmail".',
      );
    if (!tokens.refresh_token)
      throw new RelayError(
        'access_denied',
        'Google returned no long-lived grant. Remove Onventis under "Third-party apps with account access" in your Google account, then connect again.',
      );
    const address = claim(idTokenClaims(tokens.id_token), 'email');
    if (!address || !tokens.access_token)
      throw new RelayError('protocol', 'The Google sign-in returned no account address.');
    return {
      address,
      tenant: claim(idTokenClaims(tokens.id_token), 'hd'),
      secret: { kind: 'google', refreshToken: tokens.refresh_token },
      accessToken: tokens.access_token,
      expiresAt: tokens.expiry_date ? new Date(tokens.expiry_date) : null,
      // Set for apps in "Testing" (7 days) and time-limited grants (Google: "Refresh token expiration").
      refreshExpiresAt: refreshEnd(tokens as { refresh_token_expires_in?: unknown }),
    };
  }

  async refresh(secret: OAuthSecret): Promise<FreshToken> {
    if (secret.kind !== 'google') throw new RelayError('internal', 'Not a Google sign-in.');
    const client = this.client();
    client.setCredentials({ refresh_token: secret.refreshToken });
    try {
      const { credentials } = await client.refreshAccessToken();
      if (!credentials.access_token) throw oauthError('invalid_grant');
      const rotated = credentials.refresh_token && credentials.refresh_token !== secret.refreshToken;
      return {
        accessToken: credentials.access_token,
        expiresAt: credentials.expiry_date ? new Date(credentials.expiry_date) : null,
        secret: rotated ? { kind: 'google', refreshToken: credentials.refresh_token! } : null,
      };
    } catch (e) {
      throw googleError(e);
    }
  }

  /** RFC 7009 revocation, so a deleted mailbox's grant stops working at Google too. */
  async revoke(secret: OAuthSecret): Promise<void> {
    if (secret.kind === 'google')
      await this.client()
        .revokeToken(secret.refreshToken)
        .catch(() => {});
  }
}

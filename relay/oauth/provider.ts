/** What the relay keeps of a sign-in, sealed per mailbox; never leaves the relay. */
export type OAuthSecret =
  | { kind: 'msal'; cache: string; homeAccountId: string }
  | { kind: 'google'; refreshToken: string };

export interface SignedIn {
  address: string;
  tenant: string | null;
  secret: OAuthSecret;
  accessToken: string;
  expiresAt: Date | null;
  /** When the sign-in ends unless used (see OAuthAccount.refreshExpiresAt); null when it does not. */
  refreshExpiresAt: Date | null;
}

export interface FreshToken {
  accessToken: string;
  expiresAt: Date | null;
  /** Set when the provider rotated the refresh token: store it before using the access token. */
  secret: OAuthSecret | null;
  /** A new end of the sign-in (a use restarts Microsoft's inactivity window); undefined: unchanged. */
  refreshExpiresAt?: Date | null;
}

/** One identity provider behind the connect flow (Microsoft via MSAL, Google via google-auth-library). */
export interface OAuthProviderClient {
  readonly configured: boolean;
  authUrl(opts: { redirectUri: string; state: string; codeChallenge: string }): Promise<string>;
  redeem(opts: { code: string; redirectUri: string; codeVerifier: string }): Promise<SignedIn>;
  refresh(secret: OAuthSecret): Promise<FreshToken>;
  revoke(secret: OAuthSecret): Promise<void>;
}

import { RelayError } from '../errors.js';
import { AADSTS, aadstsCode, CONSENT_FIRST } from './aadsts.js';

/** Words an OAuth error (`error`, `error_description`) for the one who has to act on it. */
export type ExplainOAuthError = (error: string, description: string) => RelayError;

/**
 * Turns an OAuth error (RFC 6749 §4.1.2.1 / §5.2) into a sentence a user can act on. Microsoft's
 * AADSTS code says more than the OAuth code, so it wins; the description itself is never shown
 * (it carries trace and correlation ids), only the code.
 */
export function oauthError(error: string, description = ''): RelayError {
  const code = aadstsCode(`${error} ${description}`);
  const known = code === undefined ? undefined : AADSTS[code];
  if (known)
    return new RelayError(known.kind, `${known.message} (AADSTS${code})`, {
      adminFault: known.adminFault ?? false,
    });
  const also = code === undefined ? '' : `, AADSTS${code}`;
  switch (error) {
    case 'access_denied':
      // Without a code it is the user's own Cancel (Google's and Microsoft's consent screens alike).
      return code === undefined
        ? new RelayError('access_denied', 'You cancelled the sign-in.')
        : new RelayError('access_denied', `The identity provider refused the sign-in (AADSTS${code}).`);
    case 'consent_required': // OpenID Connect Core §3.1.2.6
      return new RelayError('consent_required', CONSENT_FIRST);
    case 'invalid_grant':
      return new RelayError('needs_reauth', 'The sign-in has expired or was revoked: reconnect the mailbox.');
    case 'invalid_client': // §5.2: the relay's own client authentication failed
    case 'unauthorized_client':
      return new RelayError(
        'config',
        `The identity provider refused the relay's app credentials (${error}${also}). Tell the relay's administrator; there is nothing you can do.`,
        { adminFault: true },
      );
    default:
      return new RelayError('protocol', `The identity provider refused the sign-in (${error}${also}).`);
  }
}

/**
 * Reads `code` (or `error`) from the URL launchWebAuthFlow returned. It must start with the redirect
 * URI the flow was started with: a code for another redirect target is not ours to redeem. An
 * `error` there is worded by `explain`.
 */
export function readRedirect(
  redirectUrl: string,
  redirectUri: string,
  state: string,
  param = 'code',
  explain: ExplainOAuthError = oauthError,
): URLSearchParams {
  let url: URL;
  try {
    url = new URL(redirectUrl);
  } catch {
    throw new RelayError('validation', 'redirectUrl is not a URL', { field: 'redirectUrl' });
  }
  if (`${url.origin}${url.pathname}` !== redirectUri.replace(/\?.*$/, ''))
    throw new RelayError(
      'validation',
      'redirectUrl does not match the redirect URI the sign-in started with',
      { field: 'redirectUrl' },
    );
  const q = url.searchParams;
  if (q.get('state') !== state)
    throw new RelayError('validation', 'state does not match the redirect', { field: 'state' });
  const error = q.get('error');
  if (error) throw explain(error, q.get('error_description') ?? '');
  if (!q.get(param))
    throw new RelayError('validation', `redirectUrl carries no ${param}`, { field: 'redirectUrl' });
  return q;
}

/**
 * Claims of an ID token received directly from the token endpoint over TLS: OpenID Connect Core
 * §3.1.3.7 lets the client use them without checking the signature in that case.
 */
export function idTokenClaims(idToken: string | null | undefined): Record<string, unknown> {
  const payload = idToken?.split('.')[1];
  if (!payload)
    throw new RelayError(
      'protocol',
      'The identity provider returned no ID token; is the "openid" scope allowed?',
    );
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new RelayError('protocol', 'The identity provider returned an unreadable ID token.');
  }
}

export const claim = (claims: Record<string, unknown>, ...names: string[]): string | null => {
  for (const n of names) {
    const v = claims[n];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
};

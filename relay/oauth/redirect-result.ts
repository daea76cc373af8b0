import { RelayError } from '../errors.js';

const CONSENT_CODES = /AADSTS(65001|65004|90094|90099)|consent_required|admin_consent|needs admin/i;

/** Turns an OAuth error (RFC 6749 §4.1.2.1 / §5.2) into a sentence a user can act on. */
export function oauthError(error: string, description = ''): RelayError {
  if (CONSENT_CODES.test(`${error} ${description}`))
    return new RelayError(
      'consent_required',
      'Your organisation has not yet allowed Onventis to read mailboxes. Ask your Azure Active Directory Manager to click "Office365 Consent" once, then connect again.',
    );
  if (error === 'access_denied')
    return new RelayError(
      'access_denied',
      'The sign-in was cancelled or access to the mailbox was not granted.',
    );
  if (error === 'invalid_grant')
    return new RelayError('needs_reauth', 'The sign-in has expired or was revoked: reconnect the mailbox.');
  return new RelayError('protocol', `The identity provider refused the sign-in (${error}).`);
}

/**
 * Reads `code` (or `error`) from the URL launchWebAuthFlow returned. It must start with the redirect
 * URI the flow was started with: a code for another redirect target is not ours to redeem.
 */
export function readRedirect(
  redirectUrl: string,
  redirectUri: string,
  state: string,
  param = 'code',
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
  if (error) throw oauthError(error, q.get('error_description') ?? '');
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

import { describe, expect, it } from 'vitest';
import { isAdminFault } from '../../../relay/errors.js';
import { AADSTS, aadstsCode } from '../../../relay/oauth/aadsts.js';
import { oauthError } from '../../../relay/oauth/redirect-result.js';

/** Descriptions as Microsoft words them, trace and correlation ids included. */
const described = (code: string, text: string) =>
  `AADSTS${code}: ${text} Trace ID: 0c1d-trace Correlation ID: 9f2e-corr Timestamp: 2025-01-01 10:00:00Z`;

describe('oauthError with an AADSTS code', () => {
  it.each([
    [
      '65001',
      'invalid_grant',
      'consent_required',
      /Azure Active Directory Manager to click "Office365 Consent"/,
    ],
    ['65004', 'access_denied', 'access_denied', /You declined .* Connect again and accept/],
    ['90094', 'access_denied', 'consent_required', /only an administrator .* "Office365 Consent"/],
    ['90095', 'access_denied', 'consent_required', /administrator .* approves your request/],
    ['90099', 'invalid_grant', 'consent_required', /"Office365 Consent"/],
    [
      '50105',
      'access_denied',
      'access_denied',
      /administrator to assign you to the Onventis app in Entra ID/,
    ],
    ['700016', 'unauthorized_client', 'consent_required', /"Office365 Consent" .* wrong tenant/],
    ['7000215', 'invalid_client', 'config', /relay's Office 365 app credentials .* relay's administrator/],
    ['7000222', 'invalid_client', 'config', /relay's Office 365 app credentials .* relay's administrator/],
    [
      '50194',
      'invalid_request',
      'config',
      /RELAY_MS_AUTHORITY to https:\/\/login\.microsoftonline\.com\/<tenant-id>/,
    ],
  ])('AADSTS%s (as %s) is %s, worded for the one who can act', (code, error, kind, sentence) => {
    const e = oauthError(error, described(code, 'Whatever Microsoft says.'));
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(sentence);
    expect(e.message).toContain(`(AADSTS${code})`);
  });

  it('covers every code of the table above', () => {
    expect(Object.keys(AADSTS).sort()).toEqual(
      ['65001', '65004', '90094', '90095', '90099', '50105', '700016', '7000215', '7000222', '50194'].sort(),
    );
  });

  it('marks the relay configuration faults as the administrator’s, and only those', () => {
    const faults = Object.keys(AADSTS).filter((code) => isAdminFault(oauthError('x', described(code, ''))));
    expect(faults.sort()).toEqual(['50194', '7000215', '7000222']);
  });

  it('shows the code only, never the description with its trace ids', () => {
    const e = oauthError('access_denied', described('65004', 'User declined to consent to access the app.'));
    expect(e.message).not.toMatch(/Trace|Correlation|0c1d|User declined/);
  });

  it('finds the code in MSAL’s errorMessage, where the description follows "Error(s):"', () => {
    const msal =
      'Error(s): 7000215 - Timestamp: 2025-01-01 - Description: AADSTS7000215: Invalid client secret provided. - Correlation ID: x - Trace ID: y';
    expect(aadstsCode(msal)).toBe('7000215');
    expect(oauthError('invalid_client', msal).kind).toBe('config');
  });
});

describe('oauthError without a known AADSTS code', () => {
  it('a plain access_denied is the user’s own Cancel', () => {
    expect(oauthError('access_denied').toInfo()).toEqual({
      kind: 'access_denied',
      message: 'You cancelled the sign-in.',
    });
    expect(oauthError('access_denied', 'The user cancelled').message).toBe('You cancelled the sign-in.');
  });

  it('an access_denied with an unknown code is a refusal, not a Cancel', () => {
    const e = oauthError('access_denied', described('53003', 'Blocked by Conditional Access.'));
    expect(e).toMatchObject({ kind: 'access_denied', message: expect.stringContaining('AADSTS53003') });
    expect(e.message).not.toContain('cancelled');
  });

  it('invalid_grant asks to reconnect, also with an unlisted code', () => {
    expect(oauthError('invalid_grant', described('50173', 'The grant has expired.')).kind).toBe(
      'needs_reauth',
    );
  });

  it('a bare invalid_client (Google’s too) is the relay administrator’s', () => {
    const e = oauthError('invalid_client', 'Unauthorized');
    expect(e.kind).toBe('config');
    expect(e.message).toContain("relay's administrator");
    expect(isAdminFault(e)).toBe(true);
  });

  it('OpenID Connect’s consent_required asks for the Office365 Consent', () => {
    expect(oauthError('consent_required').kind).toBe('consent_required');
  });

  it('anything else is protocol, with the error code but not the description', () => {
    const e = oauthError('server_error', 'secret trace 1234');
    expect(e.toInfo()).toEqual({
      kind: 'protocol',
      message: 'The identity provider refused the sign-in (server_error).',
    });
    expect(isAdminFault(e)).toBe(false);
  });
});

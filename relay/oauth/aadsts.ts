import type { ErrorKind } from '../../shared/errors.js';

export interface AadstsAnswer {
  kind: ErrorKind;
  /** Names who can act and what to do; the user is not always the one (issue 8). */
  message: string;
  /** Only the relay's administrator can fix it (`RelayError.adminFault`). */
  adminFault?: true;
}

/** No consent in the tenant yet; also OpenID Connect's plain `consent_required`. */
export const CONSENT_FIRST =
  'Your organisation has not yet allowed Onventis to read mailboxes. Ask your Azure Active Directory Manager to click "Office365 Consent" once, then connect again.';
const BAD_SECRET: AadstsAnswer = {
  kind: 'config',
  message:
    "The relay's Office 365 app credentials are wrong or expired. Tell the relay's administrator (RELAY_MS_CLIENT_SECRET); there is nothing you can do.",
  adminFault: true,
};

/**
 * Microsoft's error codes, as "Microsoft Entra authentication and authorization error codes"
 * (learn.microsoft.com/entra/identity-platform/reference-error-codes) describes them. They come as
 * "AADSTS<n>: …" in error_description, at the redirect (RFC 6749 §4.1.2.1) or the token endpoint
 * (§5.2). Codes not listed fall back to the OAuth error code.
 */
export const AADSTS: Readonly<Record<string, AadstsAnswer>> = {
  /** The user or administrator has not consented to use the application. */
  '65001': { kind: 'consent_required', message: CONSENT_FIRST },
  /** The user declined to consent to access the app. */
  '65004': {
    kind: 'access_denied',
    message: 'You declined the access Onventis asked for. Connect again and accept it.',
  },
  /** The grant requires admin permission. */
  '90094': {
    kind: 'consent_required',
    message:
      'Your organisation lets only an administrator approve Onventis. Ask your Azure Active Directory Manager to click "Office365 Consent" once, then connect again.',
  },
  /** Admin consent workflow: the user was told to request the administrator's approval. */
  '90095': {
    kind: 'consent_required',
    message:
      'Onventis needs an administrator\'s approval. Once an administrator of your organisation approves your request (Entra ID, "Admin consent requests") or your Azure Active Directory Manager clicks "Office365 Consent", connect again.',
  },
  /** The app is not yet authorised in the customer tenant (partner delegated administration). */
  '90099': { kind: 'consent_required', message: CONSENT_FIRST },
  /** The app allows only assigned users, and the signed-in user is not one. */
  '50105': {
    kind: 'access_denied',
    message:
      'Your organisation lets only assigned users use Onventis. Ask your administrator to assign you to the Onventis app in Entra ID (Enterprise applications, "Users and groups"), then connect again.',
  },
  /** Application not found in the directory: not consented there yet, or the wrong tenant. */
  '700016': {
    kind: 'consent_required',
    message:
      'The Onventis app is not known in your organisation\'s directory. Ask your Azure Active Directory Manager to click "Office365 Consent" once, then connect again; if that fails too, tell the relay\'s administrator that it signs in to the wrong tenant.',
  },
  /** Invalid client secret provided. */
  '7000215': BAD_SECRET,
  /** The provided client secret keys are expired. */
  '7000222': BAD_SECRET,
  /** A single-tenant app used through /common or /organizations. */
  '50194': {
    kind: 'config',
    message:
      "The relay's Office 365 app belongs to one organisation only. The relay's administrator must set RELAY_MS_AUTHORITY to https://login.microsoftonline.com/<tenant-id>.",
    adminFault: true,
  },
};

/** The number of the first "AADSTS<n>" in `text`, if any. */
export const aadstsCode = (text: string): string | undefined => /\bAADSTS(\d+)/.exec(text)?.[1];

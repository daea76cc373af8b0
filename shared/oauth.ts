import { z } from 'zod';

export const OAuthProvider = z.enum(['microsoft', 'google']);
export type OAuthProvider = z.infer<typeof OAuthProvider>;

/**
 * Where the provider sends the browser back: chrome.identity's `https://<extension id>.chromiumapp.org/<path>`
 * or Firefox's `browser.identity.getRedirectURL()` (`https://<hash>.extensions.allizom.org/<path>`).
 * The provider checks it against the app's registered URIs; the relay checks only its form.
 */
const REDIRECT =
  /^https:\/\/([a-p]{32}\.chromiumapp\.org|[0-9a-f]{40}\.extensions\.allizom\.org)\/[A-Za-z0-9/_-]*$/;
export const RedirectUri = z
  .string()
  .max(300)
  .regex(
    REDIRECT,
    "must be the extension's identity redirect URL (https://<id>.chromiumapp.org/… or https://<id>.extensions.allizom.org/…)",
  );

export const OAuthStartRequest = z.strictObject({
  redirectUri: RedirectUri,
  /** Reconnect: re-authorise this mailbox instead of creating one. */
  mailboxId: z.string().max(100).optional(),
});
export type OAuthStartRequest = z.infer<typeof OAuthStartRequest>;

export const OAuthStartResponse = z.object({ authUrl: z.string(), state: z.string() });
export type OAuthStartResponse = z.infer<typeof OAuthStartResponse>;

export const OAuthCompleteRequest = z.strictObject({
  state: z.string().min(1).max(200),
  /** The whole URL the provider redirected to, as launchWebAuthFlow returns it. */
  redirectUrl: z.string().min(1).max(8000),
});
export type OAuthCompleteRequest = z.infer<typeof OAuthCompleteRequest>;

export const ConsentStartRequest = z.strictObject({ redirectUri: RedirectUri });
export type ConsentStartRequest = z.infer<typeof ConsentStartRequest>;

export const Consent = z.object({ tenant: z.string(), consentedAt: z.string(), consentedBy: z.string() });
export type Consent = z.infer<typeof Consent>;

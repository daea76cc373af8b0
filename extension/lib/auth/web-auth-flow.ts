import { browser } from 'wxt/browser';
import type { OAuthProvider } from '../../../shared/oauth.js';
import { fail, type Reply } from '../messaging';

/** Where a sign-in returns to: one path per provider, and one for the admin consent. */
export type RedirectPath = OAuthProvider | 'consent';

/**
 * `https://<extension id>.chromiumapp.org/<path>` in Chromium, `https://<sha1 of the add-on id>
 * .extensions.allizom.org/<path>` in Firefox. The browser intercepts navigations to it, so the
 * provider's redirect (with its code) ends the sign-in window instead of loading a page.
 */
export const redirectUriFor = (path: RedirectPath): string => browser.identity.getRedirectURL(path);

/** Runs a sign-in window at `url`; its answer is the whole URL the provider redirected to. */
export type LaunchFlow = (url: string) => Promise<Reply<string>>;

// Chrome: "The user did not approve access."; Firefox: "User cancelled or denied access.".
const USER_CLOSED = /did not approve|cancel|denied/i;

/**
 * browser.identity.launchWebAuthFlow, interactive: a provider that needs nothing from the user
 * redirects at once and no window is shown. A window the user closed is `access_denied`, as when
 * the provider refuses; a window that could not load is `signin_failed`.
 */
export const launchWebAuthFlow: LaunchFlow = async (url) => {
  try {
    const redirected = await keptAlive(browser.identity.launchWebAuthFlow({ url, interactive: true }));
    if (redirected) return { ok: true, data: redirected };
    return fail('access_denied', 'The sign-in window closed without an answer.');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return USER_CLOSED.test(message) ? fail('access_denied', message) : fail('signin_failed', message);
  }
};

/**
 * Chrome stops an extension service worker after 30 s without events or extension API calls, and a
 * sign-in (password, MFA, the consent page) often takes longer. Calling an extension API now and then
 * keeps it alive until the window is done (Chrome's "keep a service worker alive until a long-running
 * operation is finished").
 */
async function keptAlive<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => void browser.runtime.getPlatformInfo().catch(() => undefined), 25_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

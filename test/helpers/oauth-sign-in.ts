import { expect } from 'vitest';
import type { TestRelay } from './relay.js';

/** The extension's redirect base in Chromium (DESIGN §2): `https://<extension-id>.chromiumapp.org`. */
export const EXT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org';

/**
 * What chrome.identity.launchWebAuthFlow does: start the sign-in at the relay, follow the provider
 * until it redirects to the extension, and hand that URL back to the relay. `mailboxId` reconnects.
 */
export async function signIn(t: TestRelay, provider: 'microsoft' | 'google', mailboxId?: string) {
  const start = await t.call(t.tokens.alice, 'POST', `/api/oauth/${provider}/start`, {
    redirectUri: `${EXT}/${provider}`,
    ...(mailboxId ? { mailboxId } : {}),
  });
  expect(start.status, start.text).toBe(200);
  const res = await fetch(start.body.authUrl, { redirect: 'manual' });
  const redirectUrl = res.headers.get('location')!;
  expect(redirectUrl.startsWith(`${EXT}/${provider}`)).toBe(true);
  return t.call(t.tokens.alice, 'POST', `/api/oauth/${provider}/complete`, {
    state: start.body.state,
    redirectUrl,
  });
}

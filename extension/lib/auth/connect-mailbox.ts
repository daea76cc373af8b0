import type { Mailbox } from '../../../shared/mailbox.js';
import type { OAuthProvider } from '../../../shared/oauth.js';
import type { Reply } from '../messaging';
import type { RelayClient } from '../relay-client';
import type { LaunchFlow, RedirectPath } from './web-auth-flow';

export interface AuthDeps {
  client: Pick<RelayClient, 'oauthStart' | 'oauthComplete' | 'consentStart' | 'consentComplete'>;
  launch: LaunchFlow;
  redirectUri: (path: RedirectPath) => string;
}

/**
 * New → Office 365 / Gmail, and Reconnect when `mailboxId` is given: the relay builds the sign-in URL
 * (PKCE, state bound to our token), the browser runs it, the relay redeems the code and answers with
 * the mailbox. The redirect URL goes to the relay even when it carries an error: the relay knows the
 * provider's codes (access_denied, AADSTS65001 …) and answers with the kind the panel puts in words.
 */
export async function connectMailbox(
  deps: AuthDeps,
  provider: OAuthProvider,
  mailboxId?: string,
): Promise<Reply<Mailbox>> {
  const redirectUri = deps.redirectUri(provider);
  const started = await deps.client.oauthStart(
    provider,
    mailboxId === undefined ? { redirectUri } : { redirectUri, mailboxId },
  );
  if (!started.ok) return started;
  const redirected = await deps.launch(started.data.authUrl);
  if (!redirected.ok) return redirected;
  return deps.client.oauthComplete(provider, { state: started.data.state, redirectUrl: redirected.data });
}

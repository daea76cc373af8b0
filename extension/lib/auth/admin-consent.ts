import type { Consent } from '../../../shared/oauth.js';
import type { Reply } from '../messaging';
import type { AuthDeps } from './connect-mailbox';

/**
 * "Office365 Consent" (seed page): an Azure Active Directory Manager signs in with the Microsoft
 * administrator account and grants the app for the whole organisation, once. Microsoft answers on the
 * redirect with `admin_consent=True&tenant=…`, or with an error when the box was not ticked.
 */
export async function giveAdminConsent(deps: AuthDeps): Promise<Reply<Consent>> {
  const started = await deps.client.consentStart({ redirectUri: deps.redirectUri('consent') });
  if (!started.ok) return started;
  const redirected = await deps.launch(started.data.authUrl);
  if (!redirected.ok) return redirected;
  return deps.client.consentComplete({ state: started.data.state, redirectUrl: redirected.data });
}

import { giveAdminConsent } from './auth/admin-consent';
import { connectMailbox, type AuthDeps } from './auth/connect-mailbox';
import { launchWebAuthFlow, redirectUriFor } from './auth/web-auth-flow';
import { handleMessages, isExtensionPage, fail, type Handlers, type Reply } from './messaging';
import { createRelayClient, type RelayClient } from './relay-client';
import { loadRelaySettings, type RelaySettings } from './storage';

/** Runs `call` with a client for the stored (or given) settings; no token means not configured yet. */
async function withClient<T>(
  call: (client: RelayClient) => Promise<Reply<T>>,
  given?: RelaySettings,
): Promise<Reply<T>> {
  const settings = given ?? (await loadRelaySettings());
  if (!settings.relayUrl || !settings.token) return fail('not_configured', 'relay URL or API token missing');
  return call(createRelayClient(settings));
}

/** The sign-in flows run here, in the background, with the browser's own sign-in window. */
const authDeps = (client: RelayClient): AuthDeps => ({
  client,
  launch: launchWebAuthFlow,
  redirectUri: redirectUriFor,
});

/** Every message of the protocol, answered by one relay call or one sign-in flow. */
export const relayHandlers: Handlers = {
  testSettings: (settings) => withClient((c) => c.me(), settings),
  me: () => withClient((c) => c.me()),
  listMailboxes: () => withClient((c) => c.listMailboxes()),
  createMailbox: (mailbox) => withClient((c) => c.createMailbox(mailbox)),
  updateMailbox: ({ id, patch }) => withClient((c) => c.updateMailbox(id, patch)),
  deleteMailbox: ({ id }) => withClient((c) => c.deleteMailbox(id)),
  checkConnection: (request) => withClient((c) => c.checkConnection(request)),
  checkSavedMailbox: ({ id, overrides }) => withClient((c) => c.checkSavedMailbox(id, overrides)),
  startRun: ({ mailboxId }) => withClient((c) => c.startRun(mailboxId)),
  listRuns: ({ mailboxId }) => withClient((c) => c.listRuns(mailboxId)),
  getRun: ({ runId }) => withClient((c) => c.getRun(runId)),
  connectMailbox: ({ provider, mailboxId }) =>
    withClient((c) => connectMailbox(authDeps(c), provider, mailboxId)),
  giveConsent: () => withClient((c) => giveAdminConsent(authDeps(c))),
  listConsents: () => withClient((c) => c.listConsents()),
  listAlerts: () => withClient((c) => c.listAlerts()),
};

/** The background's one job: answer the extension pages' messages with relay calls. */
export function startRelayBridge(): () => void {
  return handleMessages(relayHandlers, isExtensionPage);
}

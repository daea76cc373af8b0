import { hc } from 'hono/client';
import type { AppType } from '../../relay/app';
import type { Alert } from '../../shared/alert.js';
import type {
  ConnectionCheckRequest,
  ConnectionCheckResult,
  SavedCheckRequest,
} from '../../shared/connection-check.js';
import type { Mailbox, MailboxCreateInput, MailboxUpdateInput } from '../../shared/mailbox.js';
import type { Me } from '../../shared/me.js';
import type {
  Consent,
  ConsentStartRequest,
  OAuthCompleteRequest,
  OAuthProvider,
  OAuthStartRequest,
  OAuthStartResponse,
} from '../../shared/oauth.js';
import type { ImportRun, ImportRunSummary } from '../../shared/run.js';
import { toReply } from './relay-reply';
import type { Reply } from './messaging';
import type { RelaySettings } from './storage';

export type RelayClient = ReturnType<typeof createRelayClient>;

/**
 * The only code that talks to the relay (STYLE.md): the typed Hono RPC client, each call turned into a
 * Reply so that a refused token, a 400 with a field or an unreachable relay all arrive as values.
 */
export function createRelayClient({ relayUrl, token }: RelaySettings, fetchImpl: typeof fetch = fetch) {
  const api = hc<AppType>(relayUrl.replace(/\/+$/, ''), {
    headers: { Authorization: `Bearer ${token}` },
    fetch: fetchImpl,
  }).api;
  const id = (value: string) => ({ param: { id: value } });

  return {
    me: (): Promise<Reply<Me>> => toReply(relayUrl, () => api.me.$get()),
    listMailboxes: (): Promise<Reply<Mailbox[]>> => toReply(relayUrl, () => api.mailboxes.$get()),
    createMailbox: (json: MailboxCreateInput): Promise<Reply<Mailbox>> =>
      toReply(relayUrl, () => api.mailboxes.$post({ json })),
    updateMailbox: (mailboxId: string, json: MailboxUpdateInput): Promise<Reply<Mailbox>> =>
      toReply(relayUrl, () => api.mailboxes[':id'].$patch({ ...id(mailboxId), json })),
    deleteMailbox: async (mailboxId: string): Promise<Reply<null>> => {
      const reply = await toReply(relayUrl, () => api.mailboxes[':id'].$delete(id(mailboxId)));
      return reply.ok ? { ok: true, data: null } : reply;
    },
    checkConnection: (json: ConnectionCheckRequest): Promise<Reply<ConnectionCheckResult>> =>
      toReply(relayUrl, () => api['connection-check'].$post({ json })),
    checkSavedMailbox: (mailboxId: string, json: SavedCheckRequest): Promise<Reply<ConnectionCheckResult>> =>
      toReply(relayUrl, () => api.mailboxes[':id'].check.$post({ ...id(mailboxId), json })),
    startRun: (mailboxId: string): Promise<Reply<ImportRun>> =>
      toReply(relayUrl, () => api.mailboxes[':id'].runs.$post(id(mailboxId))),
    listRuns: (mailboxId: string): Promise<Reply<ImportRunSummary[]>> =>
      toReply(relayUrl, () => api.mailboxes[':id'].runs.$get(id(mailboxId))),
    getRun: (runId: string): Promise<Reply<ImportRun>> =>
      toReply(relayUrl, () => api.runs[':id'].$get(id(runId))),
    oauthStart: (provider: OAuthProvider, json: OAuthStartRequest): Promise<Reply<OAuthStartResponse>> =>
      toReply(relayUrl, () => api.oauth[':provider'].start.$post({ param: { provider }, json })),
    oauthComplete: (provider: OAuthProvider, json: OAuthCompleteRequest): Promise<Reply<Mailbox>> =>
      toReply(relayUrl, () => api.oauth[':provider'].complete.$post({ param: { provider }, json })),
    consentStart: (json: ConsentStartRequest): Promise<Reply<OAuthStartResponse>> =>
      toReply(relayUrl, () => api.consent.microsoft.start.$post({ json })),
    consentComplete: (json: OAuthCompleteRequest): Promise<Reply<Consent>> =>
      toReply(relayUrl, () => api.consent.microsoft.complete.$post({ json })),
    listConsents: (): Promise<Reply<Consent[]>> => toReply(relayUrl, () => api.consent.microsoft.$get()),
    listAlerts: async (): Promise<Reply<Alert[]>> => {
      const reply = await toReply(relayUrl, () => api.alerts.$get());
      return reply.ok ? { ok: true, data: reply.data.alerts } : reply;
    },
  };
}

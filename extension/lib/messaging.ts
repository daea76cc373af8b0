import { browser, type Browser } from 'wxt/browser';
import type { Alert } from '../../shared/alert.js';
import type {
  ConnectionCheckRequest,
  ConnectionCheckResult,
  SavedCheckRequest,
} from '../../shared/connection-check.js';
import type { ErrorKind } from '../../shared/errors.js';
import type { Mailbox, MailboxCreateInput, MailboxUpdateInput } from '../../shared/mailbox.js';
import type { Me } from '../../shared/me.js';
import type { Consent, OAuthProvider } from '../../shared/oauth.js';
import type { ImportRun, ImportRunSummary } from '../../shared/run.js';
import type { RelaySettings } from './storage';

/**
 * The one protocol between the extension's pages (panel, options) and the background, which alone
 * talks to the relay. Every answer is a Reply: data, or an error value with a kind (STYLE.md habit 5).
 */
export interface Protocol {
  /** GET /api/me with the given (possibly unsaved) settings: the options page's "Test". */
  testSettings: { request: RelaySettings; response: Me };
  me: { request: null; response: Me };
  listMailboxes: { request: null; response: Mailbox[] };
  createMailbox: { request: MailboxCreateInput; response: Mailbox };
  updateMailbox: { request: { id: string; patch: MailboxUpdateInput }; response: Mailbox };
  deleteMailbox: { request: { id: string }; response: null };
  checkConnection: { request: ConnectionCheckRequest; response: ConnectionCheckResult };
  checkSavedMailbox: {
    request: { id: string; overrides: SavedCheckRequest };
    response: ConnectionCheckResult;
  };
  startRun: { request: { mailboxId: string }; response: ImportRun };
  listRuns: { request: { mailboxId: string }; response: ImportRunSummary[] };
  getRun: { request: { runId: string }; response: ImportRun };
  /**
   * New → Office 365 / Gmail, or Reconnect (with `mailboxId`): the provider's sign-in window, then the
   * new or re-authorised mailbox. Answers only when the user has finished (or closed) the window.
   */
  connectMailbox: { request: { provider: OAuthProvider; mailboxId?: string }; response: Mailbox };
  /** "Office365 Consent": the tenant-wide admin consent, answered with the consented tenant. */
  giveConsent: { request: null; response: Consent };
  listConsents: { request: null; response: Consent[] };
  /** GET /api/alerts: open alerts and those resolved within 30 days that the caller may see. */
  listAlerts: { request: null; response: Alert[] };
}
export type MessageType = keyof Protocol;
export type RequestOf<K extends MessageType> = Protocol[K]['request'];
export type ResponseOf<K extends MessageType> = Protocol[K]['response'];

/**
 * The relay's error kinds plus those only the extension can see: the relay or its settings missing,
 * and a sign-in window that could not be opened or loaded.
 */
export type AppErrorKind = ErrorKind | 'relay_unreachable' | 'not_configured' | 'signin_failed';
export interface AppError {
  kind: AppErrorKind;
  message: string;
  field?: string;
  status?: number;
}
export type Reply<T> = { ok: true; data: T } | { ok: false; error: AppError };

export const fail = (kind: AppErrorKind, message: string, extra: Partial<AppError> = {}): Reply<never> => ({
  ok: false,
  error: { kind, message, ...extra },
});

const CHANNEL = 'mailbox-connect';
interface Envelope<K extends MessageType = MessageType> {
  channel: typeof CHANNEL;
  type: K;
  payload: RequestOf<K>;
}

function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && (message as Envelope).channel === CHANNEL;
}

function isReply(value: unknown): value is Reply<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Reply<unknown>).ok === 'boolean';
}

export type Send = <K extends MessageType>(type: K, payload: RequestOf<K>) => Promise<Reply<ResponseOf<K>>>;

/** From a panel or the options page to the background. Never rejects: failures are Replies too. */
export const sendMessage: Send = async (type, payload) => {
  try {
    const reply: unknown = await browser.runtime.sendMessage({ channel: CHANNEL, type, payload });
    return isReply(reply) ? (reply as Reply<never>) : fail('internal', `no answer to ${type}`);
  } catch (error) {
    return fail('internal', error instanceof Error ? error.message : String(error));
  }
};

export type Handlers = { [K in MessageType]: (payload: RequestOf<K>) => Promise<Reply<ResponseOf<K>>> };
export type Sender = Browser.runtime.MessageSender;

/**
 * Answers the protocol in the background. Messages from senders that `trusted` refuses (content
 * scripts, which run in Onventis's pages) get a `forbidden` reply; other messages are left alone.
 */
export function handleMessages(handlers: Handlers, trusted: (sender: Sender) => boolean): () => void {
  const listener = (message: unknown, sender: Sender, sendResponse?: (reply: unknown) => void) => {
    if (!isEnvelope(message)) return undefined;
    const handler = handlers[message.type] as ((payload: unknown) => Promise<Reply<unknown>>) | undefined;
    const reply = !trusted(sender)
      ? Promise.resolve(fail('forbidden', 'only extension pages may use the relay'))
      : handler
        ? handler(message.payload).catch((e: unknown) => fail('internal', String(e)))
        : Promise.resolve(fail('validation', `unknown message ${String(message.type)}`));
    // Chrome answers through sendResponse (kept open by returning true); the promise is for the rest.
    if (typeof sendResponse === 'function') {
      void reply.then(sendResponse);
      return true;
    }
    return reply;
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}

/** Extension pages of this extension, not content scripts (whose sender.url is the web page's). */
export function isExtensionPage(sender: Sender): boolean {
  const base = browser.runtime.getURL('/');
  return sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(base);
}

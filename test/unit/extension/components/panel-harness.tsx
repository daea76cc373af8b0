import { i18n } from '#i18n';
import { render, type ComponentChildren } from 'preact';
import { act } from 'preact/test-utils';
import { initialState, type Mailbox } from '../../../../shared/mailbox.js';
import { LocaleContext } from '../../../../extension/components/i18n';
import { Panel } from '../../../../extension/components/panel';
import type { Reply, Send } from '../../../../extension/lib/messaging';
import { useLocaleMessages } from '../i18n-fake';

/** What the panel tests share: a mailbox, the background as canned replies, rendering and waiting. */
/** An IMAP mailbox whose login failed: paused until its password changes. */
export const mailbox: Mailbox = {
  id: 'm1',
  provider: 'imap',
  description: 'Invoices ACME',
  company: 'ACME GmbH',
  access: { user: 'alice' },
  autoProcessing: false,
  schedule: '*/5 * * * *',
  imap: { host: 'imap.acme.test', port: 993, security: 'tls' },
  username: 'invoices@acme.test',
  hasPassword: true,
  sharedMailbox: null,
  folders: { source: 'INBOX', imported: null, notImported: null },
  account: null,
  state: {
    ...initialState(),
    status: 'auth_failed',
    error: { kind: 'auth', message: 'AUTHENTICATIONFAILED' },
    lastRun: '2024-08-01T08:47:36Z',
    lastRunId: 'r1',
    nextRun: null,
    paused: true,
  },
  createdBy: 'alice',
  createdAt: '2024-08-01T08:47:36Z',
  updatedAt: '2024-08-01T08:47:36Z',
};

/** The background as the panel sees it: one canned reply per message type. */
export function fakeSend(
  replies: Partial<Record<string, Reply<unknown>>>,
): Send & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const send = (async (type: string, payload: unknown) => {
    calls.push([type, payload]);
    return replies[type] ?? { ok: false, error: { kind: 'internal', message: `no reply for ${type}` } };
  }) as Send & { calls: typeof calls };
  send.calls = calls;
  return send;
}

export const settle = () => act(async () => new Promise((r) => setTimeout(r, 0)));
export const text = () => document.body.textContent ?? '';

/** Renders `node` as the entrypoints do: inside the locale, with the real messages of `lang`. */
export async function renderIn(node: ComponentChildren, lang: 'en' | 'de' = 'en') {
  await useLocaleMessages(lang);
  await act(() =>
    render(
      <LocaleContext.Provider value={{ t: i18n.t, language: lang }}>{node}</LocaleContext.Provider>,
      document.body,
    ),
  );
  await settle();
}

export const show = (send: Send, lang: 'en' | 'de' = 'en') =>
  renderIn(<Panel send={send} openOptions={() => {}} />, lang);

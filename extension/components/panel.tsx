import { useState } from 'preact/hooks';
import type { Provider } from '../../shared/imap-settings.js';
import type { Mailbox } from '../../shared/mailbox.js';
import { ROLE_AAD_MANAGER } from '../../shared/me.js';
import type { ImapFormField } from '../lib/imap-form-model';
import type { AppError, Send } from '../lib/messaging';
import { HistoryView } from './history-view';
import { useT } from './i18n';
import { ImapFormView } from './imap-form';
import { ListView, type Deleting } from './list-view';
import { NewMenu } from './new-menu';
import { RunView } from './run-view';
import { useReply } from './use-reply';
import { useSignIn, type SignInBusy } from './use-sign-in';

type View =
  | { name: 'list' }
  | { name: 'new' }
  | { name: 'edit'; mailbox: Mailbox; notice?: string; focus?: ImapFormField }
  | { name: 'run'; mailbox: Mailbox }
  | { name: 'history'; mailbox: Mailbox };

interface Props {
  send: Send;
  openOptions: () => void;
}

const SETTINGS_PROBLEMS = new Set<AppError['kind']>(['unauthorized', 'not_configured', 'relay_unreachable']);
const addressOf = (m: Mailbox) => m.account?.address ?? m.username;

/** "Connect mailbox": the caller's mailboxes and everything done to them, in one framed page. */
export function Panel({ send, openOptions }: Props) {
  const t = useT();
  const [view, setView] = useState<View>({ name: 'list' });
  const [list, reloadList] = useReply(() => send('listMailboxes', null), [send]);
  // Alerts come and go with the list; a relay without them (or failing) just shows none.
  const [alerts, reloadAlerts] = useReply(() => send('listAlerts', null), [send]);
  const reload = () => Promise.all([reloadList(), reloadAlerts()]);
  const [me] = useReply(() => send('me', null), [send]);
  // "Office365 Consent" is for users holding the role (seed page, step 1), as the relay enforces.
  const isManager = me.state === 'ready' && me.data.roles.includes(ROLE_AAD_MANAGER);
  const [consents, reloadConsents] = useReply(
    () => (isManager ? send('listConsents', null) : Promise.resolve({ ok: true as const, data: [] })),
    [send, isManager],
  );
  const signIn = useSignIn(send);
  const [deleting, setDeleting] = useState<Deleting | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const back = () => {
    signIn.clearError();
    setView({ name: 'list' });
    void reload();
  };
  const confirmDelete = async () => {
    if (!deleting) return;
    setDeleting({ ...deleting, busy: true });
    const reply = await send('deleteMailbox', { id: deleting.mailbox.id });
    if (!reply.ok) return setDeleting({ ...deleting, busy: false, error: reply.error });
    setDeleting(null);
    void reload();
  };

  const startNew = async (provider: Provider) => {
    setNotice(null);
    if (provider === 'imap') return setView({ name: 'new' });
    const mailbox = await signIn.connect(provider);
    if (!mailbox) return;
    // "A new row will be shown … Now do fill in the Company" (seed page): straight into its form.
    void reload();
    setView({ name: 'edit', mailbox, notice: t('signin.connected', [addressOf(mailbox)]), focus: 'company' });
  };
  const reconnect = async (m: Mailbox) => {
    setNotice(null);
    if (m.provider === 'imap') return;
    const mailbox = await signIn.connect(m.provider, m);
    if (mailbox) setNotice(t('signin.reconnected', [addressOf(mailbox)]));
    void reload();
  };
  const giveConsent = async () => {
    setNotice(null);
    const consent = await signIn.consent();
    if (!consent) return;
    setNotice(t('signin.consented', [consent.tenant]));
    void reloadConsents();
  };

  return (
    <main class="panel" aria-labelledby="panel-title">
      <header class="panel-header">
        <h1 id="panel-title">{t('panel.title')}</h1>
        {view.name === 'list' && (
          <div class="toolbar">
            <NewMenu onNew={(p) => void startNew(p)} disabled={signIn.busy !== null} />
            {isManager && (
              <button
                type="button"
                class="secondary"
                title={t('panel.consentHint')}
                disabled={signIn.busy !== null}
                onClick={() => void giveConsent()}
              >
                {t('panel.consent')}
              </button>
            )}
            <button type="button" class="secondary" onClick={() => void reload()}>
              {t('panel.refresh')}
            </button>
          </div>
        )}
      </header>
      {view.name === 'list' && (
        <ListView
          list={list}
          alerts={alerts.state === 'ready' ? alerts.data : []}
          consents={consents.state === 'ready' ? consents.data : []}
          notice={notice}
          signingIn={signIn.busy && waitingText(t, signIn.busy)}
          signInError={signIn.error}
          deleting={deleting}
          onConfirmDelete={() => void confirmDelete()}
          onCancelDelete={() => setDeleting(null)}
          onOpenForm={(mailbox, focus) => (setNotice(null), setView({ name: 'edit', mailbox, focus }))}
          listErrorActions={(error) => (
            <div class="actions">
              <button type="button" class="secondary" onClick={() => void reload()}>
                {t('panel.retry')}
              </button>
              {SETTINGS_PROBLEMS.has(error.kind) && (
                <button type="button" class="link" onClick={openOptions}>
                  {t('panel.openOptions')}
                </button>
              )}
            </div>
          )}
          actions={{
            onEdit: (mailbox) => (setNotice(null), setView({ name: 'edit', mailbox })),
            onRun: (mailbox) => setView({ name: 'run', mailbox }),
            onHistory: (mailbox) => setView({ name: 'history', mailbox }),
            onDelete: (mailbox) => setDeleting({ mailbox, busy: false }),
            onReconnect: (mailbox) => void reconnect(mailbox),
          }}
        />
      )}
      {(view.name === 'new' || view.name === 'edit') && (
        <ImapFormView
          send={send}
          mailbox={view.name === 'edit' ? view.mailbox : undefined}
          notice={view.name === 'edit' ? view.notice : undefined}
          focus={view.name === 'edit' ? view.focus : undefined}
          onSaved={() => (setNotice(t('form.saved')), back())}
          onCancel={back}
        />
      )}
      {view.name === 'run' && <RunView send={send} mailbox={view.mailbox} onBack={back} />}
      {view.name === 'history' && <HistoryView send={send} mailbox={view.mailbox} onBack={back} />}
    </main>
  );
}

function waitingText(t: ReturnType<typeof useT>, busy: SignInBusy): string {
  if (busy.kind === 'consent') return t('signin.waitingConsent');
  return t('signin.waiting', [t(busy.provider === 'microsoft' ? 'provider.microsoft' : 'provider.google')]);
}

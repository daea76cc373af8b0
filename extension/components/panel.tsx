import { useState } from 'preact/hooks';
import type { Mailbox } from '../../shared/mailbox.js';
import type { AppError, Send } from '../lib/messaging';
import { ConfirmDelete } from './confirm-delete';
import { ErrorMessage } from './error-message';
import { HistoryView } from './history-view';
import { useT } from './i18n';
import { ImapFormView } from './imap-form';
import { MailboxTable } from './mailbox-table';
import { NewMenu } from './new-menu';
import { RunView } from './run-view';
import { useReply } from './use-reply';

type View =
  | { name: 'list' }
  | { name: 'new' }
  | { name: 'edit'; mailbox: Mailbox }
  | { name: 'run'; mailbox: Mailbox }
  | { name: 'history'; mailbox: Mailbox };

interface Props {
  send: Send;
  openOptions: () => void;
}

const SETTINGS_PROBLEMS = new Set<AppError['kind']>(['unauthorized', 'not_configured', 'relay_unreachable']);

/** "Connect mailbox": the caller's mailboxes and everything done to them, in one framed page. */
export function Panel({ send, openOptions }: Props) {
  const t = useT();
  const [view, setView] = useState<View>({ name: 'list' });
  const [list, reload] = useReply(() => send('listMailboxes', null), [send]);
  const [deleting, setDeleting] = useState<{ mailbox: Mailbox; busy: boolean; error?: AppError } | null>(
    null,
  );
  const [notice, setNotice] = useState<string | null>(null);

  const back = () => {
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
  const optionsLink = (error: AppError) =>
    SETTINGS_PROBLEMS.has(error.kind) && (
      <button type="button" class="link" onClick={openOptions}>
        {t('panel.openOptions')}
      </button>
    );

  return (
    <main class="panel" aria-labelledby="panel-title">
      <header class="panel-header">
        <h1 id="panel-title">{t('panel.title')}</h1>
        {view.name === 'list' && (
          <div class="toolbar">
            <NewMenu onNew={() => (setNotice(null), setView({ name: 'new' }))} />
            <button type="button" class="secondary" onClick={() => void reload()}>
              {t('panel.refresh')}
            </button>
          </div>
        )}
      </header>
      {view.name === 'list' && (
        <>
          <p class="intro">{t('panel.intro')}</p>
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          {deleting && (
            <>
              <ConfirmDelete
                mailbox={deleting.mailbox}
                busy={deleting.busy}
                onConfirm={() => void confirmDelete()}
                onCancel={() => setDeleting(null)}
              />
              {deleting.error && <ErrorMessage error={deleting.error} />}
            </>
          )}
          {list.state === 'loading' && (
            <p role="status" class="loading">
              <span class="spinner" aria-hidden="true" /> {t('panel.loading')}
            </p>
          )}
          {list.state === 'error' && (
            <ErrorMessage
              error={list.error}
              action={
                <div class="actions">
                  <button type="button" class="secondary" onClick={() => void reload()}>
                    {t('panel.retry')}
                  </button>
                  {optionsLink(list.error)}
                </div>
              }
            />
          )}
          {list.state === 'ready' && list.data.length === 0 && <p class="empty">{t('panel.empty')}</p>}
          {list.state === 'ready' && list.data.length > 0 && (
            <MailboxTable
              mailboxes={list.data}
              actions={{
                onEdit: (mailbox) => (setNotice(null), setView({ name: 'edit', mailbox })),
                onRun: (mailbox) => setView({ name: 'run', mailbox }),
                onHistory: (mailbox) => setView({ name: 'history', mailbox }),
                onDelete: (mailbox) => setDeleting({ mailbox, busy: false }),
              }}
            />
          )}
        </>
      )}
      {(view.name === 'new' || view.name === 'edit') && (
        <ImapFormView
          send={send}
          mailbox={view.name === 'edit' ? view.mailbox : undefined}
          onSaved={() => (setNotice(t('form.saved')), back())}
          onCancel={back}
        />
      )}
      {view.name === 'run' && <RunView send={send} mailbox={view.mailbox} onBack={back} />}
      {view.name === 'history' && <HistoryView send={send} mailbox={view.mailbox} onBack={back} />}
    </main>
  );
}

import type { ComponentChildren } from 'preact';
import type { Alert } from '../../shared/alert.js';
import type { Mailbox } from '../../shared/mailbox.js';
import type { Consent } from '../../shared/oauth.js';
import type { ImapFormField } from '../lib/imap-form-model';
import type { AppError } from '../lib/messaging';
import { AlertBanner } from './alert-banner';
import { ConfirmDelete } from './confirm-delete';
import { ConsentList } from './consent-list';
import { ErrorMessage } from './error-message';
import { useT } from './i18n';
import { MailboxTable, type RowActions } from './mailbox-table';
import type { Loaded } from './use-reply';

export interface Deleting {
  mailbox: Mailbox;
  busy: boolean;
  error?: AppError;
}

interface Props {
  list: Loaded<Mailbox[]>;
  /** The relay's alerts; the banner shows the open ones. */
  alerts: Alert[];
  consents: Consent[];
  notice: string | null;
  /** What the open sign-in window is for, in words; null when none is open. */
  signingIn: string | null;
  signInError: AppError | null;
  deleting: Deleting | null;
  actions: RowActions;
  /** An alert's "Check the folders / password / settings": the mailbox's form, at that field. */
  onOpenForm: (m: Mailbox, focus: ImapFormField) => void;
  onConfirmDelete: () => void;
  onCancelDelete: () => void;
  /** "Try again" and, for settings problems, "Open the extension's options". */
  listErrorActions: (error: AppError) => ComponentChildren;
}

/** The panel's first view: the caller's mailboxes with what is going on around them. */
export function ListView(p: Props) {
  const t = useT();
  const { list, deleting } = p;
  return (
    <>
      <AlertBanner
        alerts={p.alerts}
        mailboxes={list.state === 'ready' ? list.data : []}
        actions={{ onReconnect: p.actions.onReconnect, onOpenForm: p.onOpenForm }}
        signingIn={p.signingIn !== null}
      />
      <p class="intro">{t('panel.intro')}</p>
      {p.notice && (
        <p class="notice" role="status">
          {p.notice}
        </p>
      )}
      {p.signingIn && (
        <p role="status" class="loading" data-testid="signing-in">
          <span class="spinner" aria-hidden="true" /> {p.signingIn}
        </p>
      )}
      {p.signInError && <ErrorMessage error={p.signInError} />}
      <ConsentList consents={p.consents} />
      {deleting && (
        <>
          <ConfirmDelete
            mailbox={deleting.mailbox}
            busy={deleting.busy}
            onConfirm={p.onConfirmDelete}
            onCancel={p.onCancelDelete}
          />
          {deleting.error && <ErrorMessage error={deleting.error} />}
        </>
      )}
      {list.state === 'loading' && (
        <p role="status" class="loading">
          <span class="spinner" aria-hidden="true" /> {t('panel.loading')}
        </p>
      )}
      {list.state === 'error' && <ErrorMessage error={list.error} action={p.listErrorActions(list.error)} />}
      {list.state === 'ready' && list.data.length === 0 && <p class="empty">{t('panel.empty')}</p>}
      {list.state === 'ready' && list.data.length > 0 && (
        <MailboxTable mailboxes={list.data} actions={p.actions} signingIn={p.signingIn !== null} />
      )}
    </>
  );
}

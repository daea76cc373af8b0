import type { Provider } from '../../shared/imap-settings.js';
import type { Mailbox } from '../../shared/mailbox.js';
import { formatDate, useLocale, type MessageKey } from './i18n';
import { StateBadge } from './state-badge';

export interface RowActions {
  onEdit: (m: Mailbox) => void;
  onRun: (m: Mailbox) => void;
  onHistory: (m: Mailbox) => void;
  onDelete: (m: Mailbox) => void;
  onReconnect: (m: Mailbox) => void;
}

/** An Office 365 or Gmail mailbox whose sign-in expired or was refused is fixed by signing in again. */
export const needsReconnect = (m: Mailbox): boolean =>
  m.provider !== 'imap' && (m.state.status === 'needs_reauth' || m.state.status === 'auth_failed');

interface Props {
  mailboxes: Mailbox[];
  actions: RowActions;
  /** A sign-in window is open: no second Reconnect. */
  signingIn?: boolean;
}

const PROVIDER_KEYS: Record<Provider, MessageKey> = {
  imap: 'provider.imap',
  microsoft: 'provider.microsoft',
  google: 'provider.google',
};

/** The caller's mailboxes: description, company, provider, account, state, last and next run. */
export function MailboxTable({ mailboxes, actions, signingIn = false }: Props) {
  const { t, language } = useLocale();
  return (
    <table class="mailboxes">
      <caption class="visually-hidden">{t('list.caption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('list.description')}</th>
          <th scope="col">{t('list.company')}</th>
          <th scope="col">{t('list.provider')}</th>
          <th scope="col">{t('list.account')}</th>
          <th scope="col">{t('list.state')}</th>
          <th scope="col">{t('list.lastRun')}</th>
          <th scope="col">{t('list.nextRun')}</th>
          <th scope="col">{t('list.actions')}</th>
        </tr>
      </thead>
      <tbody>
        {mailboxes.map((m) => (
          <tr key={m.id} data-mailbox-id={m.id}>
            <th scope="row">{m.description}</th>
            <td>{m.company}</td>
            <td>{t(PROVIDER_KEYS[m.provider])}</td>
            <td class="account">
              {m.account?.address ?? m.username}
              {m.sharedMailbox?.enabled && m.sharedMailbox.address && (
                <span class="account-shared">{t('list.shared', [m.sharedMailbox.address])}</span>
              )}
            </td>
            <td>
              <StateBadge state={m.state} />
            </td>
            <td>{formatDate(language, m.state.lastRun) ?? t('list.never')}</td>
            <td>{formatDate(language, m.state.nextRun) ?? t('list.notScheduled')}</td>
            <td class="row-actions">
              {needsReconnect(m) && (
                <button
                  type="button"
                  class="primary"
                  disabled={signingIn}
                  aria-label={t('list.reconnectOf', [m.description])}
                  onClick={() => actions.onReconnect(m)}
                >
                  {t('list.reconnect')}
                </button>
              )}
              <button
                type="button"
                aria-label={t('list.runNowOf', [m.description])}
                onClick={() => actions.onRun(m)}
              >
                {t('list.runNow')}
              </button>
              <button
                type="button"
                aria-label={t('list.historyOf', [m.description])}
                onClick={() => actions.onHistory(m)}
              >
                {t('list.history')}
              </button>
              <button
                type="button"
                aria-label={t('list.editOf', [m.description])}
                onClick={() => actions.onEdit(m)}
              >
                {t('list.edit')}
              </button>
              <button
                type="button"
                class="danger"
                aria-label={t('list.deleteOf', [m.description])}
                onClick={() => actions.onDelete(m)}
              >
                {t('list.delete')}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

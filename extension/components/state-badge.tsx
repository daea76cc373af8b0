import type { MailboxState, MailboxStatus } from '../../shared/mailbox.js';
import { useErrorSentence } from './error-message';
import { formatDate, useLocale, type MessageKey } from './i18n';

const STATUS_KEYS: Record<MailboxStatus, MessageKey> = {
  ok: 'status.ok',
  retrying: 'status.retrying',
  auth_failed: 'status.auth_failed',
  needs_reauth: 'status.needs_reauth',
  folder_missing: 'status.folder_missing',
  error: 'status.error',
};

/** The mailbox's state as a coloured badge, with mails waiting for a retry and the last error below it. */
export function StateBadge({ state }: { state: MailboxState }) {
  const { t, language } = useLocale();
  const sentence = useErrorSentence();
  const retrying = state.retrying;
  return (
    <div class="state">
      <span class={`badge badge-${state.status}`} data-status={state.status}>
        {t(STATUS_KEYS[state.status])}
        {state.paused && ` · ${t('status.paused')}`}
      </span>
      {retrying && (
        <p class="state-retrying">
          {t('status.retryingMails', retrying.mails, [
            retrying.mails,
            formatDate(language, retrying.since, { seconds: true }) ?? retrying.since,
          ])}
        </p>
      )}
      {state.error && (
        <p class="state-error" title={state.error.message}>
          {sentence(state.error)}
        </p>
      )}
    </div>
  );
}

import type { MailboxState, MailboxStatus } from '../../shared/mailbox.js';
import { useErrorSentence } from './error-message';
import { useT, type MessageKey } from './i18n';

const STATUS_KEYS: Record<MailboxStatus, MessageKey> = {
  ok: 'status.ok',
  auth_failed: 'status.auth_failed',
  needs_reauth: 'status.needs_reauth',
  folder_missing: 'status.folder_missing',
  error: 'status.error',
};

/** The mailbox's state as a coloured badge, with the last error in words below it. */
export function StateBadge({ state }: { state: MailboxState }) {
  const t = useT();
  const sentence = useErrorSentence();
  return (
    <div class="state">
      <span class={`badge badge-${state.status}`} data-status={state.status}>
        {t(STATUS_KEYS[state.status])}
        {state.paused && ` · ${t('status.paused')}`}
      </span>
      {state.error && (
        <p class="state-error" title={state.error.message}>
          {sentence(state.error)}
        </p>
      )}
    </div>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import type { Mailbox } from '../../shared/mailbox.js';
import { useT } from './i18n';

interface Props {
  mailbox: Mailbox;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** "Delete the mailbox …?": focus starts on Cancel, Escape cancels. */
export function ConfirmDelete({ mailbox, busy, onConfirm, onCancel }: Props) {
  const t = useT();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      class="confirm"
      role="alertdialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-text"
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <h2 id="confirm-title">{t('confirm.deleteTitle', [mailbox.description])}</h2>
      <p id="confirm-text">{t('confirm.deleteText')}</p>
      <div class="actions">
        <button type="button" class="danger" onClick={onConfirm} disabled={busy}>
          {t('confirm.deleteYes')}
        </button>
        <button type="button" ref={cancel} class="secondary" onClick={onCancel}>
          {t('confirm.cancel')}
        </button>
      </div>
    </div>
  );
}

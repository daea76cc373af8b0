import type { MailOutcomeKind, MailResult, NotImportedReason } from '../../shared/run.js';
import { useT, type MessageKey } from './i18n';

const OUTCOME_KEYS: Record<MailOutcomeKind, MessageKey> = {
  imported: 'outcome.imported',
  not_imported: 'outcome.not_imported',
  retrying: 'outcome.retrying',
  moved: 'outcome.moved',
  skipped: 'outcome.skipped',
};
const REASON_KEYS: Record<NotImportedReason, MessageKey> = {
  no_documents: 'reason.no_documents',
  too_large: 'reason.too_large',
  unparseable: 'reason.unparseable',
  rejected: 'reason.rejected',
  gave_up: 'reason.gave_up',
};

/** Every mail of a run with its outcome and, where it was not imported, the reason in words. */
export function MailOutcomes({ mails }: { mails: MailResult[] }) {
  const t = useT();
  if (mails.length === 0) return <p class="empty">{t('run.noMails')}</p>;
  return (
    <table class="mails">
      <caption class="visually-hidden">{t('run.mailsCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('run.subject')}</th>
          <th scope="col">{t('run.from')}</th>
          <th scope="col">{t('run.outcome')}</th>
          <th scope="col">{t('run.reason')}</th>
          <th scope="col">{t('run.documents')}</th>
        </tr>
      </thead>
      <tbody>
        {mails.map((m) => (
          <tr key={`${m.uid}`} data-outcome={m.outcome}>
            <th scope="row">{m.subject ?? t('run.noSubject')}</th>
            <td>{m.from ?? ''}</td>
            <td>
              <span class={`badge badge-outcome-${m.outcome}`}>{t(OUTCOME_KEYS[m.outcome])}</span>
            </td>
            <td>
              {m.reason && t(REASON_KEYS[m.reason])}
              {m.detail && <span class="alert-detail"> {m.detail}</span>}
            </td>
            <td>{m.documents.map((d) => d.filename).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

import { useState } from 'preact/hooks';
import type { Mailbox } from '../../shared/mailbox.js';
import type { ImportRun, ImportRunSummary } from '../../shared/run.js';
import type { Send } from '../lib/messaging';
import { ErrorMessage } from './error-message';
import { formatDate, useLocale, type MessageKey } from './i18n';
import { MailOutcomes } from './mail-outcomes';
import { RUN_STATUS_KEYS, RunCountsLine } from './run-summary';
import { useReply, type Loaded } from './use-reply';

const TRIGGER_KEYS: Record<ImportRunSummary['trigger'], MessageKey> = {
  manual: 'trigger.manual',
  schedule: 'trigger.schedule',
  cli: 'trigger.cli',
};

/** The runs of one mailbox, newest first; each opens to its mails' outcomes and reasons. */
export function HistoryView({ send, mailbox, onBack }: { send: Send; mailbox: Mailbox; onBack: () => void }) {
  const { t, language } = useLocale();
  const [runs] = useReply(() => send('listRuns', { mailboxId: mailbox.id }), [send, mailbox.id]);
  const [open, setOpen] = useState<{ id: string; run: Loaded<ImportRun> } | null>(null);

  const toggle = async (id: string) => {
    if (open?.id === id) return setOpen(null);
    setOpen({ id, run: { state: 'loading' } });
    const reply = await send('getRun', { runId: id });
    setOpen({
      id,
      run: reply.ok ? { state: 'ready', data: reply.data } : { state: 'error', error: reply.error },
    });
  };

  return (
    <section class="history-view" aria-labelledby="history-title">
      <h2 id="history-title">{t('run.historyTitle', [mailbox.description])}</h2>
      {runs.state === 'loading' && (
        <p role="status" class="loading">
          {t('panel.loading')}
        </p>
      )}
      {runs.state === 'error' && <ErrorMessage error={runs.error} />}
      {runs.state === 'ready' && runs.data.length === 0 && <p class="empty">{t('run.historyEmpty')}</p>}
      {runs.state === 'ready' && runs.data.length > 0 && (
        <ul class="runs" aria-label={t('run.historyCaption')}>
          {runs.data.map((r) => (
            <li key={r.id} class={`run run-${r.status}`}>
              <div class="run-line">
                <span>{formatDate(language, r.startedAt)}</span>
                <span class={`badge badge-run-${r.status}`}>{t(RUN_STATUS_KEYS[r.status])}</span>
                <span class="muted">{t(TRIGGER_KEYS[r.trigger])}</span>
                <RunCountsLine run={r} />
                <button type="button" aria-expanded={open?.id === r.id} onClick={() => void toggle(r.id)}>
                  {t('run.details')}
                </button>
              </div>
              {r.error && <ErrorMessage error={r.error} />}
              {open?.id === r.id && open.run.state === 'loading' && (
                <p class="loading">{t('panel.loading')}</p>
              )}
              {open?.id === r.id && open.run.state === 'error' && <ErrorMessage error={open.run.error} />}
              {open?.id === r.id && open.run.state === 'ready' && (
                <MailOutcomes mails={open.run.data.mails} />
              )}
            </li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button type="button" class="secondary" onClick={onBack}>
          {t('panel.back')}
        </button>
      </div>
    </section>
  );
}

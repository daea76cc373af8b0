import { useEffect, useState } from 'preact/hooks';
import type { Mailbox } from '../../shared/mailbox.js';
import type { ImportRun } from '../../shared/run.js';
import type { AppError, Send } from '../lib/messaging';
import { ErrorMessage } from './error-message';
import { useT } from './i18n';
import { MailOutcomes } from './mail-outcomes';
import { RunHeadline } from './run-summary';

/** How often a running import is polled (GET /api/runs/:id). */
export const RUN_POLL_MS = 1000;

/** "Run now": starts an import and follows it live until it has finished. */
export function RunView({ send, mailbox, onBack }: { send: Send; mailbox: Mailbox; onBack: () => void }) {
  const t = useT();
  const [run, setRun] = useState<ImportRun | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const follow = async (runId: string) => {
      const reply = await send('getRun', { runId });
      if (stopped) return;
      if (!reply.ok) return setError(reply.error);
      setRun(reply.data);
      if (reply.data.status === 'running') timer = setTimeout(() => void follow(runId), RUN_POLL_MS);
    };
    void send('startRun', { mailboxId: mailbox.id }).then((reply) => {
      if (stopped) return;
      if (!reply.ok) return setError(reply.error);
      setRun(reply.data);
      if (reply.data.status === 'running') timer = setTimeout(() => void follow(reply.data.id), RUN_POLL_MS);
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [send, mailbox.id]);

  return (
    <section class="run-view" aria-labelledby="run-title">
      <h2 id="run-title">{t('run.title', [mailbox.description])}</h2>
      {!run && !error && (
        <p role="status" class="loading">
          <span class="spinner" aria-hidden="true" /> {t('run.running')}
        </p>
      )}
      {error && <ErrorMessage error={error} />}
      {run && <RunHeadline run={run} />}
      {run && (run.mails.length > 0 || run.status !== 'running') && <MailOutcomes mails={run.mails} />}
      <div class="actions">
        <button type="button" class="secondary" onClick={onBack}>
          {t('panel.back')}
        </button>
      </div>
    </section>
  );
}

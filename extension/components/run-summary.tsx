import type { ImportRunSummary, RunStatus } from '../../shared/run.js';
import { ErrorMessage } from './error-message';
import { useT, type MessageKey } from './i18n';

export const RUN_STATUS_KEYS: Record<RunStatus, MessageKey> = {
  running: 'runStatus.running',
  completed: 'runStatus.completed',
  failed: 'runStatus.failed',
  interrupted: 'runStatus.interrupted',
};

export function RunCountsLine({ run }: { run: ImportRunSummary }) {
  const t = useT();
  const c = run.counts;
  return (
    <p class="run-counts">{t('run.counts', [c.seen, c.imported, c.notImported, c.retrying, c.skipped])}</p>
  );
}

/** The headline of a run: running (with a live region), finished, or failed with its reason. */
export function RunHeadline({ run }: { run: ImportRunSummary }) {
  const t = useT();
  return (
    <div class={`run-headline run-${run.status}`} role="status" aria-live="polite">
      <p>
        {run.status === 'running' && <span class="spinner" aria-hidden="true" />}
        {run.status === 'running'
          ? t('run.running')
          : run.status === 'completed'
            ? t('run.completed')
            : run.status === 'interrupted'
              ? t('run.interrupted')
              : t('run.failed')}
      </p>
      <RunCountsLine run={run} />
      {run.error && <ErrorMessage error={run.error} />}
    </div>
  );
}

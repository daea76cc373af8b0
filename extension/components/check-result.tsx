import type { CheckStepName, ConnectionCheckResult } from '../../shared/connection-check.js';
import { useErrorSentence } from './error-message';
import { useT, type MessageKey } from './i18n';

const STEP_KEYS: Record<CheckStepName, MessageKey> = {
  connect: 'check.step_connect',
  tls: 'check.step_tls',
  login: 'check.step_login',
  list: 'check.step_list',
};

/** Each step of "Check connection and load folders" with its time, and the failing step's reason. */
export function CheckResult({ result }: { result: ConnectionCheckResult }) {
  const t = useT();
  const sentence = useErrorSentence();
  return (
    <section class={result.ok ? 'check check-ok' : 'check check-failed'} aria-label={t('check.title')}>
      <p class="check-summary">
        {result.ok ? t('check.ok', [String(result.folders.length)]) : t('check.failed')}
      </p>
      <ol class="check-steps">
        {result.steps.map((s) => (
          <li key={s.step} class={s.ok ? 'step step-ok' : 'step step-failed'} data-step={s.step}>
            <span class="step-icon" aria-hidden="true">
              {s.ok ? '✓' : '✗'}
            </span>
            <span class="step-name">{t(STEP_KEYS[s.step])}</span>
            <span class="step-state">{s.ok ? t('check.stepOk') : t('check.stepFailed')}</span>
            <span class="step-ms">{t('check.ms', [String(Math.round(s.ms))])}</span>
            {s.error && (
              <span class="step-error">
                {sentence(s.error)} <span class="alert-detail">({s.error.message})</span>
              </span>
            )}
          </li>
        ))}
      </ol>
      {!result.ok && result.error && !result.steps.some((s) => s.error) && (
        <p class="step-error">
          {sentence(result.error)} <span class="alert-detail">({result.error.message})</span>
        </p>
      )}
    </section>
  );
}

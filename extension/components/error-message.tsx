import type { ComponentChildren } from 'preact';
import type { AppError, AppErrorKind } from '../lib/messaging';
import { useT, type MessageKey } from './i18n';

/** A sentence a user understands for each kind of failure (STYLE.md habit 5). */
export const ERROR_KEYS: Record<AppErrorKind, MessageKey> = {
  validation: 'error.validation',
  unauthorized: 'error.unauthorized',
  forbidden: 'error.forbidden',
  not_found: 'error.not_found',
  conflict: 'error.conflict',
  rate_limited: 'error.rate_limited',
  blocked_host: 'error.blocked_host',
  dns: 'error.dns',
  network: 'error.network',
  tls: 'error.tls',
  auth: 'error.auth',
  timeout: 'error.timeout',
  protocol: 'error.protocol',
  folder_missing: 'error.folder_missing',
  needs_reauth: 'error.needs_reauth',
  access_denied: 'error.access_denied',
  consent_required: 'error.consent_required',
  config: 'error.config',
  delivery: 'error.delivery',
  storage: 'error.storage',
  internal: 'error.internal',
  relay_unreachable: 'error.relay_unreachable',
  not_configured: 'error.not_configured',
  signin_failed: 'error.signin_failed',
};

export function useErrorSentence(): (error: Pick<AppError, 'kind'>) => string {
  const t = useT();
  return (error) => t(ERROR_KEYS[error.kind] ?? 'error.internal');
}

interface Props {
  error: AppError;
  /** Shown after the sentence, e.g. "Open the options" when the token is the problem. */
  action?: ComponentChildren;
}

/** The sentence first; the relay's own (English, technical) message as a detail below it. */
export function ErrorMessage({ error, action }: Props) {
  const t = useT();
  const sentence = useErrorSentence()(error);
  return (
    <div class="alert alert-error" role="alert">
      <p class="alert-sentence">{sentence}</p>
      {error.message && <p class="alert-detail">{t('error.details', [error.message])}</p>}
      {action}
    </div>
  );
}

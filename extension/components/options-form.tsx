import { useState } from 'preact/hooks';
import type { Me } from '../../shared/me.js';
import type { AppError, Reply } from '../lib/messaging';
import type { RelaySettings } from '../lib/storage';
import { ErrorMessage } from './error-message';
import { TextField } from './field';
import { useT } from './i18n';

interface Props {
  initial: RelaySettings;
  /** Asks for the relay origin's host permission when needed, then stores the settings. */
  onSave: (settings: RelaySettings) => Promise<Reply<null>>;
  /** GET /api/me with the settings as typed. */
  onTest: (settings: RelaySettings) => Promise<Reply<Me>>;
}

type Outcome = { kind: 'me'; me: Me } | { kind: 'saved' } | { kind: 'error'; error: AppError } | null;

/** Relay URL and API token, "Test" (who am I?) and "Save". */
export function OptionsForm({ initial, onSave, onTest }: Props) {
  const t = useT();
  const [settings, setSettings] = useState(initial);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const set = (patch: Partial<RelaySettings>) => setSettings((s) => ({ ...s, ...patch }));

  const act = async (which: 'test' | 'save', run: () => Promise<Reply<Me | null>>) => {
    setBusy(which);
    setOutcome(null);
    const reply = await run();
    setBusy(null);
    if (!reply.ok) setOutcome({ kind: 'error', error: reply.error });
    else setOutcome(reply.data ? { kind: 'me', me: reply.data } : { kind: 'saved' });
  };
  const urlError =
    outcome?.kind === 'error' && outcome.error.field === 'relayUrl' ? t('options.invalidUrl') : undefined;

  return (
    <form
      class="options"
      aria-labelledby="options-title"
      onSubmit={(e) => {
        e.preventDefault();
        void act('save', () => onSave(settings));
      }}
    >
      <h1 id="options-title">{t('options.title')}</h1>
      <TextField
        id="relayUrl"
        type="url"
        label={t('options.relayUrl')}
        value={settings.relayUrl}
        required
        hint={t('options.relayUrlHint')}
        error={urlError}
        onValue={(relayUrl) => set({ relayUrl })}
      />
      <TextField
        id="token"
        type="password"
        label={t('options.token')}
        value={settings.token}
        hint={t('options.tokenHint')}
        autoComplete="off"
        onValue={(token) => set({ token })}
      />
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={busy !== null}
          onClick={() => void act('test', () => onTest(settings))}
        >
          {busy === 'test' ? t('options.testing') : t('options.test')}
        </button>
        <button type="submit" class="primary" disabled={busy !== null}>
          {t('options.save')}
        </button>
      </div>
      <div aria-live="polite">
        {outcome?.kind === 'me' && (
          <div class="alert alert-ok" role="status" data-testid="whoami">
            <p>{t('options.signedInAs', [outcome.me.user])}</p>
            <p>{t('options.roles', [outcome.me.roles.join(', ') || t('options.noRoles')])}</p>
          </div>
        )}
        {outcome?.kind === 'saved' && (
          <p class="notice" role="status">
            {t('options.saved')}
          </p>
        )}
        {outcome?.kind === 'error' && !urlError && <ErrorMessage error={outcome.error} />}
        {outcome?.kind === 'error' &&
          outcome.error.kind === 'forbidden' &&
          outcome.error.field === 'permission' && <p class="field-error">{t('options.permissionDenied')}</p>}
      </div>
    </form>
  );
}

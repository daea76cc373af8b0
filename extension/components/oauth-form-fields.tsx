import type { Mailbox } from '../../shared/mailbox.js';
import type { ImapForm, ImapFormField } from '../lib/imap-form-model';
import { TextField } from './field';
import { useT, type MessageKey } from './i18n';

const PROVIDER_KEYS: Record<Mailbox['provider'], MessageKey> = {
  imap: 'provider.imap',
  microsoft: 'provider.microsoft',
  google: 'provider.google',
};

/** The account an Office 365 or Gmail mailbox signed in with: read only, changed by Reconnect. */
export function AccountFields({ mailbox }: { mailbox: Mailbox }) {
  const t = useT();
  return (
    <fieldset class="group">
      <legend>{t('form.account')}</legend>
      <dl class="account-facts">
        <dt>{t('list.provider')}</dt>
        <dd>{t(PROVIDER_KEYS[mailbox.provider])}</dd>
        <dt>{t('form.accountAddress')}</dt>
        <dd data-testid="account-address">{mailbox.account?.address ?? mailbox.username}</dd>
        {mailbox.account?.tenant && (
          <>
            <dt>{t('form.accountTenant')}</dt>
            <dd data-testid="account-tenant">{mailbox.account.tenant}</dd>
          </>
        )}
      </dl>
    </fieldset>
  );
}

interface SharedProps {
  form: ImapForm;
  errors: Partial<Record<ImapFormField, string>>;
  set: <K extends ImapFormField>(field: K, value: ImapForm[K]) => void;
}

/**
 * "Use shared mailbox" and "Shared Mailbox" (seed page 10–11, Office 365 only): the signed-in user's
 * token opens the shared address, which the user must have been given access to in Exchange.
 */
export function SharedMailboxFields({ form, errors, set }: SharedProps) {
  const t = useT();
  return (
    <div class="grid">
      <div class="field field-check">
        <input
          id="sharedEnabled"
          type="checkbox"
          checked={form.sharedEnabled}
          aria-invalid={errors.sharedEnabled ? true : undefined}
          onChange={(e) => set('sharedEnabled', e.currentTarget.checked)}
        />
        <label for="sharedEnabled">{t('form.useShared')}</label>
        {errors.sharedEnabled && <p class="field-error">{errors.sharedEnabled}</p>}
      </div>
      {form.sharedEnabled && (
        <TextField
          id="sharedAddress"
          label={t('form.sharedAddress')}
          value={form.sharedAddress}
          inputMode="email"
          required
          placeholder="invoices@example.com"
          hint={t('form.sharedHint')}
          error={errors.sharedAddress}
          onValue={(v) => set('sharedAddress', v)}
        />
      )}
    </div>
  );
}

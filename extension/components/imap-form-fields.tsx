import type { ComponentChildren } from 'preact';
import type { Security } from '../../shared/imap-settings.js';
import type { ImapForm, ImapFormField } from '../lib/imap-form-model';
import { FieldShell, SelectField, TextField, describedBy } from './field';
import { useT } from './i18n';

interface Props {
  form: ImapForm;
  errors: Partial<Record<ImapFormField, string>>;
  editing: boolean;
  /** Office 365 / Gmail: the login is the signed-in account, so no user name and no password. */
  oauth?: boolean;
  set: <K extends ImapFormField>(field: K, value: ImapForm[K]) => void;
  setSecurity: (security: Security) => void;
}

/** Description, Company, User or role, Auto processing (seed page, "New IMAP connection" 1–4). */
export function GeneralFields({ form, errors, set }: Omit<Props, 'editing' | 'oauth' | 'setSecurity'>) {
  const t = useT();
  return (
    <fieldset class="group">
      <legend>{t('form.general')}</legend>
      <div class="grid">
        <TextField
          id="description"
          label={t('form.description')}
          value={form.description}
          required
          error={errors.description}
          onValue={(v) => set('description', v)}
        />
        <TextField
          id="company"
          label={t('form.company')}
          value={form.company}
          required
          error={errors.company}
          onValue={(v) => set('company', v)}
        />
        <FieldShell id="access" label={t('form.access')} error={errors.access}>
          <div class="inline">
            <select
              id="accessKind"
              aria-label={t('form.accessKind')}
              value={form.accessKind}
              onChange={(e) => set('accessKind', e.currentTarget.value === 'role' ? 'role' : 'user')}
            >
              <option value="user">{t('form.accessUser')}</option>
              <option value="role">{t('form.accessRole')}</option>
            </select>
            <input
              id="access"
              value={form.access}
              required
              autoComplete="off"
              aria-invalid={errors.access ? true : undefined}
              aria-describedby={describedBy('access', undefined, errors.access)}
              onInput={(e) => set('access', e.currentTarget.value)}
            />
          </div>
        </FieldShell>
        <div class="field field-check">
          <input
            id="autoProcessing"
            type="checkbox"
            checked={form.autoProcessing}
            aria-describedby="autoProcessing-hint"
            onChange={(e) => set('autoProcessing', e.currentTarget.checked)}
          />
          <label for="autoProcessing">{t('form.autoProcessing')}</label>
          <p id="autoProcessing-hint" class="field-hint">
            {t('form.autoProcessingHint')}
          </p>
        </div>
      </div>
    </fieldset>
  );
}

/** IMAP server, IMAP port, Secure connection, User name, Password (seed page 5–9). */
export function ConnectionFields({
  form,
  errors,
  editing,
  oauth = false,
  set,
  setSecurity,
  children,
}: Props & {
  children?: ComponentChildren;
}) {
  const t = useT();
  const securities = [
    { value: 'tls', label: t('form.securityTls') },
    { value: 'starttls', label: t('form.securityStarttls') },
    { value: 'none', label: t('form.securityNone') },
  ];
  return (
    <fieldset class="group">
      <legend>{t('form.connection')}</legend>
      <div class="grid">
        <TextField
          id="host"
          label={t('form.host')}
          value={form.host}
          required
          placeholder="imap.example.com"
          hint={oauth ? t('form.oauthHostHint') : undefined}
          error={errors.host}
          onValue={(v) => set('host', v)}
        />
        <TextField
          id="port"
          label={t('form.port')}
          value={form.port}
          inputMode="numeric"
          required
          error={errors.port}
          onValue={(v) => set('port', v)}
        />
        <SelectField
          id="security"
          label={t('form.security')}
          value={form.security}
          options={securities}
          error={errors.security}
          onValue={(v) => setSecurity(v as Security)}
        />
        {!oauth && (
          <>
            <TextField
              id="username"
              label={t('form.username')}
              value={form.username}
              required
              hint={t('form.usernameHint')}
              error={errors.username}
              onValue={(v) => set('username', v)}
            />
            <TextField
              id="password"
              type="password"
              label={t('form.password')}
              value={form.password}
              autoComplete="new-password"
              required={!editing}
              hint={editing ? t('form.passwordKeep') : undefined}
              error={errors.password}
              onValue={(v) => set('password', v)}
            />
          </>
        )}
      </div>
      {children}
    </fieldset>
  );
}

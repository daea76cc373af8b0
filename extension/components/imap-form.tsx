import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConnectionCheckResult } from '../../shared/connection-check.js';
import type { Mailbox } from '../../shared/mailbox.js';
import {
  formFieldOf,
  imapFormOf,
  isOAuthForm,
  newImapForm,
  toCheck,
  toCreate,
  toSavedCheck,
  toUpdate,
  withSecurity,
  withoutFieldName,
  type ImapForm,
  type ImapFormField,
} from '../lib/imap-form-model';
import type { AppError, Send } from '../lib/messaging';
import { CheckResult } from './check-result';
import { ErrorMessage } from './error-message';
import { FolderPickers } from './folder-pickers';
import { useT } from './i18n';
import { ConnectionFields, GeneralFields } from './imap-form-fields';
import { AccountFields, SharedMailboxFields } from './oauth-form-fields';

interface Props {
  send: Send;
  /** The mailbox being edited; absent for New → IMAP. */
  mailbox?: Mailbox | undefined;
  onSaved: (mailbox: Mailbox) => void;
  onCancel: () => void;
  /** Shown above the form, e.g. what to fill in after an Office 365 / Gmail sign-in. */
  notice?: string | undefined;
  /** The field focused first: Description, Company after a sign-in (seed page step 5), or an alert's. */
  focus?: ImapFormField | undefined;
}

type Errors = Partial<Record<ImapFormField, string>>;

/**
 * The mailbox form: the seed's fields, "Check connection and load folders", the folder pickers, save.
 * For Office 365 and Gmail it shows the signed-in account instead of user name and password, and for
 * Office 365 the shared mailbox.
 */
export function ImapFormView({ send, mailbox, onSaved, onCancel, notice, focus = 'description' }: Props) {
  const t = useT();
  const [form, setForm] = useState<ImapForm>(() => (mailbox ? imapFormOf(mailbox) : newImapForm()));
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<AppError | null>(null);
  const [check, setCheck] = useState<ConnectionCheckResult | null>(null);
  const [busy, setBusy] = useState<'check' | 'save' | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  // A field this form does not have (the password of an Office 365 mailbox) falls back to the first.
  useEffect(() => {
    const field = (id: string) => formRef.current?.querySelector<HTMLElement>(`#${id}`);
    (field(focus) ?? field('description'))?.focus();
  }, []);
  const oauth = isOAuthForm(form);

  const set = <K extends ImapFormField>(field: K, value: ImapForm[K]) => {
    setForm((f) => ({ ...f, [field]: value }));
    setErrors(({ [field]: _cleared, ...rest }) => rest);
  };

  /** A field error goes next to its field (and gets focus); anything else is a banner. */
  const showError = (e: AppError) => {
    const field = formFieldOf(e.field);
    if (field && e.field) {
      setErrors({ [field]: withoutFieldName(e.message, e.field) });
      setError(null);
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`#${field}`)?.focus());
    } else setError(e);
  };

  const runCheck = async () => {
    setBusy('check');
    setError(null);
    setCheck(null);
    const reply = mailbox
      ? await send('checkSavedMailbox', { id: mailbox.id, overrides: toSavedCheck(form, mailbox) })
      : await send('checkConnection', toCheck(form));
    setBusy(null);
    if (!reply.ok) return showError(reply.error);
    setCheck(reply.data);
    // Keep a chosen source only if the server has it; INBOX is the default (DESIGN §1).
    const paths = new Set(reply.data.folders.map((f) => f.path));
    if (reply.data.ok && !paths.has(form.source) && paths.has('INBOX')) set('source', 'INBOX');
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy('save');
    setError(null);
    setErrors({});
    const reply = mailbox
      ? await send('updateMailbox', { id: mailbox.id, patch: toUpdate(form) })
      : await send('createMailbox', toCreate(form));
    setBusy(null);
    if (reply.ok) onSaved(reply.data);
    else showError(reply.error);
  };

  const title = mailbox ? t('form.editTitle', [mailbox.description]) : t('form.newTitle');
  return (
    <form ref={formRef} class="imap-form" aria-label={title} onSubmit={save} noValidate>
      <h2>{title}</h2>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {mailbox && oauth && <AccountFields mailbox={mailbox} />}
      <GeneralFields form={form} errors={errors} set={set} />
      <ConnectionFields
        form={form}
        errors={errors}
        editing={!!mailbox}
        oauth={oauth}
        set={set}
        setSecurity={(s) => setForm((f) => withSecurity(f, s))}
      >
        {form.provider === 'microsoft' && <SharedMailboxFields form={form} errors={errors} set={set} />}
      </ConnectionFields>
      <div class="actions">
        <button type="button" class="secondary" onClick={runCheck} disabled={busy !== null}>
          {busy === 'check' ? t('form.checking') : t('form.check')}
        </button>
      </div>
      <div aria-live="polite">{check && <CheckResult result={check} />}</div>
      <FolderPickers
        form={form}
        folders={check?.ok ? check.folders : null}
        errors={errors}
        onChange={(field, value) => set(field, value)}
      />
      {Object.keys(errors).length > 0 && (
        <p class="field-error" role="alert">
          {t('form.fixFields')}
        </p>
      )}
      {error && <ErrorMessage error={error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy !== null}>
          {busy === 'save' ? t('form.saving') : t('form.save')}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  );
}

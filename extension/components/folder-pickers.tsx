import type { FolderInfo } from '../../shared/connection-check.js';
import type { ImapForm, ImapFormField } from '../lib/imap-form-model';
import { SelectField } from './field';
import { useT } from './i18n';

interface Props {
  form: ImapForm;
  /** The server's folders after a check; before one, only the values already chosen are offered. */
  folders: FolderInfo[] | null;
  errors: Partial<Record<ImapFormField, string>>;
  onChange: (field: 'source' | 'imported' | 'notImported', value: string) => void;
}

function optionsFor(folders: FolderInfo[] | null, current: string, allowNone: boolean, none: string) {
  const paths = folders ? folders.map((f) => f.path) : [];
  if (current && !paths.includes(current)) paths.unshift(current);
  const options = paths.map((p) => ({ value: p, label: p }));
  return allowNone ? [{ value: '', label: none }, ...options] : options;
}

/** "Retrieve mails from", "Move imported mails to", "Move not imported mails to" (seed page, step 7). */
export function FolderPickers({ form, folders, errors, onChange }: Props) {
  const t = useT();
  const none = t('form.noFolder');
  return (
    <fieldset class="group">
      <legend>{t('form.folders')}</legend>
      {!folders && <p class="field-hint">{t('form.foldersHint')}</p>}
      <div class="grid">
        <SelectField
          id="source"
          label={t('form.source')}
          value={form.source}
          options={optionsFor(folders, form.source, false, none)}
          error={errors.source}
          onValue={(v) => onChange('source', v)}
        />
        <SelectField
          id="imported"
          label={t('form.imported')}
          value={form.imported}
          options={optionsFor(folders, form.imported, true, none)}
          error={errors.imported}
          onValue={(v) => onChange('imported', v)}
        />
        <SelectField
          id="notImported"
          label={t('form.notImported')}
          value={form.notImported}
          options={optionsFor(folders, form.notImported, true, none)}
          error={errors.notImported}
          onValue={(v) => onChange('notImported', v)}
        />
      </div>
    </fieldset>
  );
}

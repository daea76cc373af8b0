import type { ComponentChildren } from 'preact';

interface FieldShellProps {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: ComponentChildren;
}

/** ids of the hint and error texts, for the control's aria-describedby. */
export function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

/** Label above, control, hint, and the field's error right next to it (from the relay's `field`). */
export function FieldShell({ id, label, hint, error, children }: FieldShellProps) {
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: string | undefined;
  error?: string | undefined;
  type?: 'text' | 'password' | 'url';
  inputMode?: 'numeric' | 'text' | 'email';
  autoComplete?: string;
  required?: boolean;
  placeholder?: string;
}

export function TextField(p: TextFieldProps) {
  return (
    <FieldShell id={p.id} label={p.label} hint={p.hint} error={p.error}>
      <input
        id={p.id}
        name={p.id}
        type={p.type ?? 'text'}
        value={p.value}
        inputMode={p.inputMode}
        autoComplete={p.autoComplete ?? 'off'}
        required={p.required}
        placeholder={p.placeholder}
        spellcheck={false}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy(p.id, p.hint, p.error)}
        onInput={(e) => p.onValue(e.currentTarget.value)}
      />
    </FieldShell>
  );
}

interface SelectFieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  options: { value: string; label: string }[];
  hint?: string | undefined;
  error?: string | undefined;
}

export function SelectField(p: SelectFieldProps) {
  return (
    <FieldShell id={p.id} label={p.label} hint={p.hint} error={p.error}>
      <select
        id={p.id}
        name={p.id}
        value={p.value}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy(p.id, p.hint, p.error)}
        onChange={(e) => p.onValue(e.currentTarget.value)}
      >
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

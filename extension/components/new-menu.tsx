import { useEffect, useRef, useState } from 'preact/hooks';
import type { Provider } from '../../shared/imap-settings.js';
import { useT, type MessageKey } from './i18n';

// IMAP opens the form; Office 365 and Gmail open the provider's sign-in window first (seed page).
const ITEMS: { provider: Provider; key: MessageKey }[] = [
  { provider: 'imap', key: 'new.imap' },
  { provider: 'microsoft', key: 'new.microsoft' },
  { provider: 'google', key: 'new.google' },
];

interface Props {
  onNew: (provider: Provider) => void;
  /** While a sign-in window is open, a second one is not started. */
  disabled?: boolean;
}

/**
 * "New" with its arrow menu (seed page: "Click on the arrow next to New"), as an ARIA menu button:
 * Enter/Space/ArrowDown open it, arrows move, Escape closes and returns focus to the button.
 */
export function NewMenu({ onNew, disabled = false }: Props) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const items = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => {
    if (open) items.current[0]?.focus();
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onMenuKey = (e: KeyboardEvent) => {
    const index = items.current.findIndex((el) => el === document.activeElement);
    const move = (to: number) => items.current[(to + ITEMS.length) % ITEMS.length]?.focus();
    if (e.key === 'ArrowDown') move(index + 1);
    else if (e.key === 'ArrowUp') move(index - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(ITEMS.length - 1);
    else if (e.key === 'Escape') close();
    else if (e.key === 'Tab') setOpen(false);
    else return;
    if (e.key !== 'Tab') e.preventDefault();
  };

  return (
    <div
      class="menu-button"
      onFocusOut={(e) => {
        // Focus moving to another control closes the menu. A null target (a click on nothing
        // focusable, or on a menu item in browsers that do not focus buttons) must not.
        const next = e.relatedTarget as Node | null;
        if (next && !e.currentTarget.contains(next)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        class="primary"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="new-menu"
        disabled={disabled}
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => e.key === 'ArrowDown' && (e.preventDefault(), setOpen(true))}
      >
        {t('new.button')} <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div id="new-menu" role="menu" aria-label={t('new.button')} class="menu" onKeyDown={onMenuKey}>
          {ITEMS.map((item, i) => (
            <button
              key={item.provider}
              ref={(el) => {
                items.current[i] = el;
              }}
              type="button"
              role="menuitem"
              tabIndex={-1}
              class="menu-item"
              onClick={() => {
                setOpen(false);
                onNew(item.provider);
              }}
            >
              {t(item.key)}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

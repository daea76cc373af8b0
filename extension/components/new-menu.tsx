import { useEffect, useRef, useState } from 'preact/hooks';
import type { Provider } from '../../shared/imap-settings.js';
import { useT, type MessageKey } from './i18n';

const ITEMS: { provider: Provider; key: MessageKey; available: boolean }[] = [
  { provider: 'imap', key: 'new.imap', available: true },
  // OAuth sign-in arrives with the Office 365 and Gmail issues; until then the entries say so.
  { provider: 'microsoft', key: 'new.microsoft', available: false },
  { provider: 'google', key: 'new.google', available: false },
];

/**
 * "New" with its arrow menu (seed page: "Click on the arrow next to New"), as an ARIA menu button:
 * Enter/Space/ArrowDown open it, arrows move, Escape closes and returns focus to the button.
 */
export function NewMenu({ onNew }: { onNew: (provider: Provider) => void }) {
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
              aria-disabled={!item.available}
              class={item.available ? 'menu-item' : 'menu-item menu-item-disabled'}
              onClick={() => {
                if (!item.available) return;
                setOpen(false);
                onNew(item.provider);
              }}
            >
              {t(item.key)}
              {!item.available && <span class="soon"> ({t('new.comingSoon')})</span>}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

import type { GeneratedI18nStructure, i18n } from '#i18n';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Translate = (typeof i18n)['t'];
/** Keys whose message takes no substitutions: the ones that can be looked up from a table. */
export type MessageKey = {
  [K in keyof GeneratedI18nStructure]: GeneratedI18nStructure[K] extends { substitutions: 0; plural: false }
    ? K
    : never;
}[keyof GeneratedI18nStructure];

export interface Locale {
  t: Translate;
  /** The browser's UI language, for dates and numbers. */
  language: string;
}

/** Given by the entrypoint (which owns browser.i18n), so views stay free of browser APIs. */
export const LocaleContext = createContext<Locale | null>(null);

export function useLocale(): Locale {
  const locale = useContext(LocaleContext);
  if (!locale) throw new Error('LocaleContext is missing');
  return locale;
}

export const useT = (): Translate => useLocale().t;

/** A relay timestamp in the user's language; `seconds` where a minute is too coarse (retries). */
export function formatDate(language: string, iso: string | null, { seconds = false } = {}): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const timeStyle = seconds ? 'medium' : 'short';
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle }).format(date);
}

import { i18n } from '#i18n';
import { browser } from 'wxt/browser';
import type { Locale } from '../components/i18n';

/** The browser's language and its messages (German when the browser is German, else English). */
export function browserLocale(): Locale {
  const language = browser.i18n.getUILanguage();
  document.documentElement.lang = language;
  return { t: i18n.t, language };
}

import { generateChromeMessages, parseMessagesFile } from '@wxt-dev/i18n/build';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { localeFile } from './paths';

/** Messages of one locale in the browser's format (what ends up in _locales/<lang>/messages.json). */
export async function messagesOf(lang: 'en' | 'de'): Promise<Record<string, string>> {
  const parsed = await parseMessagesFile(localeFile(lang));
  const chrome = generateChromeMessages(parsed);
  return Object.fromEntries(Object.entries(chrome).map(([key, m]) => [key, m.message]));
}

/** fakeBrowser leaves i18n unimplemented; give it the real messages of `lang`, $1… substituted. */
export async function useLocaleMessages(lang: 'en' | 'de'): Promise<void> {
  const messages = await messagesOf(lang);
  fakeBrowser.i18n.getMessage = ((key: string, subs?: string | string[]) => {
    const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
    return (messages[key] ?? '').replace(/\$(\d)/g, (_, n: string) => list[Number(n) - 1] ?? '');
  }) as typeof fakeBrowser.i18n.getMessage;
  fakeBrowser.i18n.getUILanguage = () => lang;
}

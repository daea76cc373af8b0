import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Paths, not URLs: happy-dom replaces the global URL, which resolves file URLs differently.
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const fixtureHtml = (name: string): string =>
  readFileSync(path.join(ROOT, 'test/fixtures/onventis', name), 'utf8');

export const localeFile = (lang: string): string => path.join(ROOT, 'extension/locales', `${lang}.yml`);

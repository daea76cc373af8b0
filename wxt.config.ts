import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { ONVENTIS_MATCHES } from './extension/lib/page/origins';

/** The relay's default loopback origins (DESIGN §4), granted at install; others are asked at runtime. */
const RELAY_DEFAULT_ORIGINS = ['http://127.0.0.1/*', 'http://localhost/*'];

const FIREFOX_GECKO = {
  id: 'mailbox-connect@onventis-tools.invalid',
  // optional_host_permissions in MV3 (the relay origin asked at runtime) arrived in Firefox 128.
  strict_min_version: '128.0',
  // Data leaves the browser only for the relay the user configures, run by their own organisation.
  data_collection_permissions: { required: ['none'] },
};

// https://wxt.dev/api/config.html
export default defineConfig({
  srcDir: 'extension',
  modules: ['@wxt-dev/i18n/module'],
  // Explicit imports everywhere: the code reads the same in the editor, in tsc and in Vitest.
  imports: false,
  vite: () => ({ plugins: [preact()] }),
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    permissions: ['storage', 'identity'],
    host_permissions: [...ONVENTIS_MATCHES, ...RELAY_DEFAULT_ORIGINS],
    // A relay elsewhere is asked for when the user saves its URL in the options page.
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    web_accessible_resources: [{ resources: ['panel.html'], matches: ONVENTIS_MATCHES }],
    ...(browser === 'firefox' ? { browser_specific_settings: { gecko: FIREFOX_GECKO } } : {}),
  }),
});

import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { ONVENTIS_MATCHES } from './extension/lib/page/origins';

/** The relay's default loopback origins (DESIGN §4), granted at install; others are asked at runtime. */
const RELAY_DEFAULT_ORIGINS = ['http://127.0.0.1/*', 'http://localhost/*'];

/**
 * The public half of the extension's signing key (SubjectPublicKeyInfo DER, base64). Chrome derives the
 * extension ID from it, so every unpacked load is gjmoihgdleadhaodbokanaefbnjddppg and the OAuth redirect
 * URIs registered at Microsoft and Google (https://<id>.chromiumapp.org/…) stay valid. The private key
 * was never kept: unpacked loads need only this. See extension/README-oauth-section.md for your own.
 */
const CHROME_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4XJRcY10SH4Tuz+aBjkUZ6T9DhcSLanFVlRqI+OJwnPq01mReBTnAON2/JAM+aOeTe39lgwcNJTBD47/3GeawHn0oQVcCKztoTdM2S0qb3r7qbsp+oX6j37qM+9kLcMfp8SFaRF2xqffHtIPuU26qH3Es6pSPr5y+0rC8USZz0s80rOqMSBoYqAPJga47Va4Ykhd35TSGiFSe94sOttCNwk1LDjGMUoDNcOJLTnt1BJqvZW8XsYKqSgbN8B4jAZInsmswE7e46SiFI+wEWDLdgRLalF/k7LZJ5G+fAjdVPWpStlYc87avjxSZzdjT0y+reKMo4MtpsuTf6kc51d7PQIDAQAB';

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
    // Firefox has no `key`: its redirect host is derived from the gecko id instead.
    ...(browser === 'firefox'
      ? { browser_specific_settings: { gecko: FIREFOX_GECKO } }
      : { key: process.env.MC_EXTENSION_KEY ?? CHROME_PUBLIC_KEY }),
  }),
});

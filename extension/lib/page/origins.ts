/** Where Onventis runs: the content script's matches and the only pages that may embed the panel. */
export const ONVENTIS_MATCHES = ['https://*.onventis.com/*', 'https://*.onventis.de/*'];

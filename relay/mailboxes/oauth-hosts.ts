import type { Provider } from '../../shared/imap-settings.js';
import { RelayError } from '../errors.js';

/** The IMAP hosts of each provider's clouds (worldwide, US government, China, Germany). */
const PROVIDER_HOSTS: Record<Exclude<Provider, 'imap'>, string[]> = {
  microsoft: ['outlook.office365.com', 'outlook.office365.us', 'partner.outlook.cn', 'outlook.office.de'],
  google: ['imap.gmail.com'],
};

/**
 * An OAuth mailbox hands its access token to its IMAP server at every login, so that server must
 * be the provider's own (or one the operator allowed in RELAY_ALLOW_HOSTS): anyone who may edit the
 * mailbox could otherwise point it at a host of theirs and collect the token.
 */
export function checkOAuthHost(provider: Provider, host: string, allowed: (host: string) => boolean): void {
  if (provider === 'imap') return;
  const h = host.toLowerCase().replace(/\.$/, '');
  if (PROVIDER_HOSTS[provider].includes(h) || allowed(h)) return;
  throw new RelayError(
    'validation',
    `imap.host must be ${PROVIDER_HOSTS[provider].join(' or ')} for this mailbox (or a host in RELAY_ALLOW_HOSTS)`,
    { field: 'imap.host' },
  );
}

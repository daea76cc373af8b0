import { storage } from 'wxt/utils/storage';

/**
 * Every item the extension stores, in storage.local (never synced across devices). Passwords are never
 * stored: they go from the panel straight to the relay, which keeps them encrypted.
 */

export const DEFAULT_RELAY_URL = 'http://127.0.0.1:8787';

/** The relay's base URL, set in the options page. */
export const relayUrlItem = storage.defineItem<string>('local:relayUrl', {
  fallback: DEFAULT_RELAY_URL,
  version: 1,
});

/** The API token (`npm run relay -- token create`), sent as `Authorization: Bearer`. */
export const apiTokenItem = storage.defineItem<string>('local:apiToken', {
  fallback: '',
  version: 1,
});

export interface RelaySettings {
  relayUrl: string;
  token: string;
}

export async function loadRelaySettings(): Promise<RelaySettings> {
  const [relayUrl, token] = await Promise.all([relayUrlItem.getValue(), apiTokenItem.getValue()]);
  return { relayUrl, token };
}

export async function saveRelaySettings(settings: RelaySettings): Promise<void> {
  await Promise.all([relayUrlItem.setValue(settings.relayUrl), apiTokenItem.setValue(settings.token)]);
}

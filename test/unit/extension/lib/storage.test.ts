import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { DEFAULT_RELAY_URL, loadRelaySettings, saveRelaySettings } from '../../../../extension/lib/storage';

describe('storage', () => {
  beforeEach(() => fakeBrowser.reset());

  it('defaults to the loopback relay and no token', async () => {
    expect(await loadRelaySettings()).toEqual({ relayUrl: DEFAULT_RELAY_URL, token: '' });
    expect(DEFAULT_RELAY_URL).toBe('http://127.0.0.1:8787');
  });

  it('keeps relay URL and token in storage.local, where the background reads them', async () => {
    await saveRelaySettings({ relayUrl: 'https://relay.example.com', token: 'tok-1' });
    expect(await fakeBrowser.storage.local.get(['relayUrl', 'apiToken'])).toEqual({
      relayUrl: 'https://relay.example.com',
      apiToken: 'tok-1',
    });
    expect(await fakeBrowser.storage.sync.get(null)).toEqual({});
    expect(await loadRelaySettings()).toEqual({ relayUrl: 'https://relay.example.com', token: 'tok-1' });
  });
});

import { browser } from 'wxt/browser';
import type { Me } from '../../shared/me.js';
import { fail, sendMessage, type Reply } from './messaging';
import { saveRelaySettings, type RelaySettings } from './storage';

/** "http://relay.example:8787/" → "http://relay.example:8787"; null unless http(s). */
export function normaliseRelayUrl(text: string): string | null {
  try {
    const url = new URL(text.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** The host permission a relay URL needs; match patterns carry no port (any port of that host). */
export function originPattern(relayUrl: string): string {
  const url = new URL(relayUrl);
  return `${url.protocol}//${url.hostname}/*`;
}

/**
 * Asks for the relay's origin unless it is already granted (the loopback defaults are, at install).
 * Must be called straight from a click: browsers only show the prompt during a user gesture.
 */
async function ensureRelayAccess(relayUrl: string): Promise<Reply<null>> {
  const origins = [originPattern(relayUrl)];
  const granted = await browser.permissions.request({ origins });
  return granted
    ? { ok: true, data: null }
    : fail('forbidden', `no access to ${origins[0]}`, { field: 'permission' });
}

function checked(settings: RelaySettings): RelaySettings | null {
  const relayUrl = normaliseRelayUrl(settings.relayUrl);
  return relayUrl ? { relayUrl, token: settings.token.trim() } : null;
}

/** The options page's "Save": URL checked, host permission asked for, settings stored. */
export async function saveRelay(settings: RelaySettings): Promise<Reply<null>> {
  const valid = checked(settings);
  if (!valid) return fail('validation', 'not an http(s) URL', { field: 'relayUrl' });
  const access = await ensureRelayAccess(valid.relayUrl);
  if (!access.ok) return access;
  await saveRelaySettings(valid);
  return { ok: true, data: null };
}

/** The options page's "Test": who the relay says the token belongs to (GET /api/me). */
export async function testRelay(settings: RelaySettings): Promise<Reply<Me>> {
  const valid = checked(settings);
  if (!valid) return fail('validation', 'not an http(s) URL', { field: 'relayUrl' });
  const access = await ensureRelayAccess(valid.relayUrl);
  if (!access.ok) return access;
  return sendMessage('testSettings', valid);
}

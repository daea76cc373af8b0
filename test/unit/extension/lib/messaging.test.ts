import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  handleMessages,
  isExtensionPage,
  sendMessage,
  type Handlers,
  type Sender,
} from '../../../../extension/lib/messaging';

const me = { user: 'alice', roles: ['admin'] };
const notUsed = async () => ({
  ok: false as const,
  error: { kind: 'internal' as const, message: 'not used' },
});
const handlers: Handlers = {
  testSettings: async (s) => ({ ok: true, data: { user: s.token, roles: [] } }),
  me: async () => ({ ok: true, data: me }),
  listMailboxes: async () => ({ ok: true, data: [] }),
  createMailbox: notUsed,
  updateMailbox: notUsed,
  deleteMailbox: async () => {
    throw new Error('boom');
  },
  checkConnection: notUsed,
  checkSavedMailbox: notUsed,
  startRun: notUsed,
  listRuns: notUsed,
  getRun: notUsed,
  connectMailbox: notUsed,
  giveConsent: notUsed,
  listConsents: notUsed,
  listAlerts: notUsed,
};

describe('messaging', () => {
  let stop: (() => void) | undefined;
  beforeEach(() => fakeBrowser.reset());
  afterEach(() => stop?.());

  it('carries a typed request to the background and its reply back', async () => {
    stop = handleMessages(handlers, () => true);
    expect(await sendMessage('me', null)).toEqual({ ok: true, data: me });
    expect(await sendMessage('testSettings', { relayUrl: 'http://127.0.0.1:8787', token: 'bob' })).toEqual({
      ok: true,
      data: { user: 'bob', roles: [] },
    });
  });

  it('answers an untrusted sender with forbidden and never runs the handler', async () => {
    let ran = false;
    stop = handleMessages(
      { ...handlers, me: async () => ((ran = true), { ok: true, data: me }) },
      () => false,
    );
    const reply = await sendMessage('me', null);
    expect(reply).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    expect(ran).toBe(false);
  });

  it('turns a handler that throws into an internal error reply', async () => {
    stop = handleMessages(handlers, () => true);
    expect(await sendMessage('deleteMailbox', { id: 'x' })).toMatchObject({
      ok: false,
      error: { kind: 'internal', message: 'Error: boom' },
    });
  });

  it('leaves messages of other protocols unanswered', async () => {
    stop = handleMessages(handlers, () => true);
    const [answer] = await fakeBrowser.runtime.onMessage.trigger({ hello: 'world' }, {});
    expect(answer).toBeUndefined();
  });

  it('answers through sendResponse where the browser passes one (Chrome)', async () => {
    stop = handleMessages(handlers, () => true);
    const replies: unknown[] = [];
    const envelope = { channel: 'mailbox-connect', type: 'me', payload: null };
    const listener = fakeBrowser.runtime.onMessage as unknown as {
      trigger: (...args: unknown[]) => Promise<unknown[]>;
    };
    const [keepOpen] = await listener.trigger(envelope, {}, (r: unknown) => replies.push(r));
    expect(keepOpen).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(replies).toEqual([{ ok: true, data: me }]);
  });

  it('fails softly when no background answers', async () => {
    expect(await sendMessage('me', null)).toMatchObject({ ok: false, error: { kind: 'internal' } });
  });
});

describe('isExtensionPage', () => {
  const page = (url: string, id = fakeBrowser.runtime.id): Sender => ({ id, url });

  it('trusts the panel and the options page', () => {
    expect(isExtensionPage(page(fakeBrowser.runtime.getURL('/panel.html')))).toBe(true);
    expect(isExtensionPage(page(fakeBrowser.runtime.getURL('/options.html')))).toBe(true);
  });

  it('does not trust content scripts in Onventis pages, nor other extensions', () => {
    expect(isExtensionPage(page('https://acme.onventis.com/maintenance/settings'))).toBe(false);
    expect(isExtensionPage(page(fakeBrowser.runtime.getURL('/panel.html'), 'another-extension'))).toBe(false);
    expect(isExtensionPage({ id: fakeBrowser.runtime.id })).toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page, type Worker } from 'playwright-core';

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  background: Worker;
  close(): Promise<void>;
}

/**
 * Debian's Chromium with the built extension loaded, headless. acme.onventis.com resolves to loopback
 * and the fake Onventis's self-signed certificate is accepted; `lang` sets the UI (and so the
 * extension's) language, which on Linux Chromium takes from --lang and LANGUAGE.
 */
export async function launchWithExtension(extensionDir: string, lang = 'en-US'): Promise<ExtensionBrowser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'chromium-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: false,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP acme.onventis.com 127.0.0.1',
      '--ignore-certificate-errors',
      `--lang=${lang}`,
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
    env: { ...process.env, LANGUAGE: lang.replace('-', '_').split('_')[0] ?? 'en', LANG: 'C.UTF-8' },
  });
  const background = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(background.url()).host;
  return {
    context,
    extensionId,
    background,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The panel's frame inside the page (its host is a closed shadow root, so selectors cannot pierce it). */
export async function panelFrame(page: Page, extensionId: string, timeout = 15_000): Promise<Frame> {
  const prefix = `chrome-extension://${extensionId}/panel.html`;
  const deadline = Date.now() + timeout;
  for (;;) {
    const frame = page.frames().find((f) => f.url().startsWith(prefix));
    if (frame) {
      await frame.waitForSelector('h1');
      return frame;
    }
    if (Date.now() > deadline) throw new Error('the Connect mailbox panel did not appear');
    await page.waitForTimeout(100);
  }
}

type ChromeStorage = { storage: { local: { set(items: object): Promise<void> } } };

/**
 * Puts the relay URL and API token straight into the extension's storage.local, as the options page's
 * Save would, from an extension page (the service worker may have been stopped while idle).
 */
export async function setRelaySettings(
  b: ExtensionBrowser,
  relayUrl: string,
  apiToken: string,
): Promise<void> {
  const page = await b.context.newPage();
  try {
    await page.goto(`chrome-extension://${b.extensionId}/options.html`);
    await page.evaluate(
      ([url, token]) =>
        (globalThis as unknown as { chrome: ChromeStorage }).chrome.storage.local.set({
          relayUrl: url,
          apiToken: token,
        }),
      [relayUrl, apiToken] as const,
    );
  } finally {
    await page.close();
  }
}

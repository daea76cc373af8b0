import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { launchWithExtension, panelFrame, type ExtensionBrowser } from './support/browser';
import { ensureChromeBuild } from './support/extension-build';
import { invoiceMail, plainMail } from './support/mails';
import { startFakeOnventis, type FakeOnventis } from './support/onventis-server';
import { startRelayProcess, type RelayProcess } from './support/relay-process';
import { SHOTS } from './support/screenshots.js';

const SOURCE = 'Rechnungen/Eingang-Ü';
const IMPORTED = 'Rechnungen/Importiert-Ö';
const NOT_IMPORTED = 'Rechnungen/Nicht importiert-Ä';
const exact = { exact: true } as const;
// Run in the Onventis page's own world, as its scripts would (strings: this file has no DOM types).
const PAGE_SEES_SHADOW_ROOT = "document.querySelector('mailbox-connect-panel').shadowRoot !== null";
const PAGE_PASSWORD_FIELDS = "document.querySelectorAll('input[type=password]').length";

let dovecot: Dovecot;
let relay: RelayProcess;
let onventis: FakeOnventis;
let browser: ExtensionBrowser;
let page: Page;

async function settingsPanel(): Promise<Frame> {
  await page.goto(`${onventis.origin}/maintenance/settings/email-import`);
  return panelFrame(page, browser.extensionId);
}

/** New → IMAP, with the test Dovecot's connection settings typed in. */
async function openNewImapForm(panel: Frame, password: string): Promise<void> {
  await panel.getByRole('button', { name: 'New' }).click();
  await panel.getByRole('menuitem', { name: 'IMAP' }).click();
  await panel.getByLabel('IMAP server', exact).fill('127.0.0.1');
  await panel.getByLabel('IMAP port', exact).fill(String(dovecot.imapsPort));
  await panel.getByLabel('User name', exact).fill('alice');
  // Typed key by key, as a user would: these keydown events must stay inside the panel's frame.
  await panel.getByLabel('Password', exact).pressSequentially(password);
}

describe.sequential('the extension in Chromium, against the real relay and Dovecot', () => {
  beforeAll(async () => {
    const extension = ensureChromeBuild();
    mkdirSync(SHOTS, { recursive: true });
    dovecot = await startDovecot();
    for (const folder of ['Rechnungen', SOURCE, IMPORTED, NOT_IMPORTED])
      await dovecot.createFolder('alice', folder);
    await dovecot.appendMessage('alice', SOURCE, invoiceMail('Rechnung RE-2024-0815', 'inv-1'));
    await dovecot.appendMessage('alice', SOURCE, plainMail('Grüße aus Köln', 'hello-1'));
    relay = await startRelayProcess({ caCertPath: dovecot.caCertPath });
    onventis = await startFakeOnventis();
    browser = await launchWithExtension(extension);
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await onventis?.stop();
    await relay?.stop();
    await dovecot?.stop();
  });

  it('options: the relay URL and token are tested (who am I) and saved', async () => {
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await options.getByLabel('Relay URL', exact).fill(relay.url);
    await options.getByLabel('API token', exact).fill(relay.token);
    await options.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => options.getByTestId('whoami').textContent()).toContain('Connected as alice');
    expect(await options.getByTestId('whoami').textContent()).toContain('Roles: admin');
    await options.getByRole('button', { name: 'Save' }).click();
    await options.getByText('Saved.').waitFor();
    await options.screenshot({ path: path.join(SHOTS, 'options.png') });
    await options.close();
  });

  it('shows the panel on Email import configuration only, also after in-page navigation', async () => {
    await page.goto(`${onventis.origin}/invoices`);
    await page.waitForTimeout(1000);
    expect(await page.locator('mailbox-connect-panel').count()).toBe(0);

    await page.getByRole('link', { name: 'Email import configuration' }).click();
    const panel = await panelFrame(page, browser.extensionId);
    expect(await panel.locator('h1').textContent()).toBe('Connect mailbox');
    await panel.locator('.empty').waitFor();
    expect(await page.locator('mailbox-connect-panel').count()).toBe(1);
    // The host's shadow root is closed: the page cannot reach into it.
    expect(await page.evaluate(PAGE_SEES_SHADOW_ROOT)).toBe(false);
  });

  it('adds an IMAP mailbox: check connection, folders with umlauts, save, see the row', async () => {
    const panel = await settingsPanel();
    await openNewImapForm(panel, 'alice-secret');
    expect(await panel.getByLabel('Secure connection', exact).inputValue()).toBe('tls');
    await panel.getByLabel('Description', exact).fill('Invoices ACME');
    await panel.getByLabel('Company', exact).fill('ACME GmbH');
    await panel.getByLabel('User or role', exact).fill('alice');

    await panel.getByRole('button', { name: 'Check connection and load folders' }).click();
    await panel.locator('.check-ok').waitFor();
    for (const step of ['connect', 'tls', 'login', 'list'])
      expect(await panel.locator(`[data-step="${step}"]`).getAttribute('class')).toContain('step-ok');
    await panel.getByLabel('Retrieve mails from', exact).selectOption(SOURCE);
    await panel.getByLabel('Move imported mails to', exact).selectOption(IMPORTED);
    await panel.getByLabel('Move not imported mails to', exact).selectOption(NOT_IMPORTED);
    // The frame grows with the form (the panel reports its height), so nothing scrolls inside it.
    const contentHeight = await panel
      .locator('#app')
      .evaluate((el) => Math.ceil(el.getBoundingClientRect().height));
    const hostHeight = () =>
      page.locator('mailbox-connect-panel').evaluate((el) => el.getBoundingClientRect().height);
    expect(contentHeight).toBeGreaterThan(700);
    await expect.poll(hostHeight).toBe(contentHeight);
    await page.locator('mailbox-connect-panel').screenshot({ path: path.join(SHOTS, 'panel-form.png') });

    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    const row = panel.locator('tr', { hasText: 'Invoices ACME' });
    await row.waitFor();
    expect(await row.textContent()).toContain('ACME GmbH');
    expect(await panel.getByRole('status').first().textContent()).toBe('Saved.');

    const saved = await (
      await fetch(`${relay.url}/api/mailboxes`, { headers: { authorization: `Bearer ${relay.token}` } })
    ).json();
    expect(saved).toMatchObject([
      { folders: { source: SOURCE, imported: IMPORTED, notImported: NOT_IMPORTED }, hasPassword: true },
    ]);
  });

  it("keeps what is typed into the panel away from the page's keydown listener", async () => {
    const panel = await settingsPanel();
    await page.evaluate('window.__capturedKeys = []');
    await panel.getByRole('button', { name: 'New' }).click();
    await panel.getByRole('menuitem', { name: 'IMAP' }).click();
    await panel.getByLabel('Password', exact).pressSequentially('s3cr3t-Ü');
    const captured = () => page.evaluate<string[]>('window.__capturedKeys');
    expect(await captured()).toEqual([]);
    expect(await page.evaluate<number>(PAGE_PASSWORD_FIELDS)).toBe(0);
    // The listener does work for the page's own fields.
    await page.getByRole('searchbox', { name: 'Search' }).pressSequentially('abc');
    expect(await captured()).toEqual(['a', 'b', 'c']);
  });

  it('shows a wrong password as the auth error, in words', async () => {
    const panel = await settingsPanel();
    await openNewImapForm(panel, 'wrong-password');
    await panel.getByRole('button', { name: 'Check connection and load folders' }).click();
    const failed = panel.locator('.step-failed');
    await failed.waitFor();
    expect(await failed.getAttribute('data-step')).toBe('login');
    expect(await failed.textContent()).toContain('The mail server refused the user name or password.');
    await page
      .locator('mailbox-connect-panel')
      .screenshot({ path: path.join(SHOTS, 'panel-auth-error.png') });
  });

  it('runs an import now and shows each mail with its outcome', async () => {
    const panel = await settingsPanel();
    await panel.getByRole('button', { name: 'Run an import of Invoices ACME now' }).click();
    await panel.getByText('Import finished.').waitFor({ timeout: 30_000 });
    expect(await panel.locator('.run-counts').textContent()).toContain('imported: 1');
    const imported = panel.locator('tr[data-outcome="imported"]');
    expect(await imported.textContent()).toContain('Rechnung RE-2024-0815');
    expect(await imported.textContent()).toContain('RE-2024-0815.pdf');
    const notImported = panel.locator('tr[data-outcome="not_imported"]');
    expect(await notImported.textContent()).toContain('The mail has no invoice documents.');
    await page.locator('mailbox-connect-panel').screenshot({ path: path.join(SHOTS, 'panel-run.png') });
    expect(await dovecot.messageCount('alice', IMPORTED)).toBe(1);
    expect(await dovecot.messageCount('alice', NOT_IMPORTED)).toBe(1);

    await panel.getByRole('button', { name: 'Back to the list' }).click();
    const row = panel.locator('tr', { hasText: 'Invoices ACME' });
    await row.locator('.badge-ok').waitFor();
    // The relay reports the run finished a moment before it records the mailbox's last run.
    await expect
      .poll(async () => {
        await panel.getByRole('button', { name: 'Refresh' }).click();
        return row.textContent();
      })
      .not.toContain('never');
    await panel.getByRole('button', { name: 'Import history of Invoices ACME' }).click();
    await panel.getByRole('button', { name: 'Details' }).first().click();
    await panel.locator('tr[data-outcome="imported"]').waitFor();
    await panel.getByRole('button', { name: 'Back to the list' }).click();
    await row.waitFor();
    await page.locator('mailbox-connect-panel').screenshot({ path: path.join(SHOTS, 'panel.png') });
    await page.screenshot({ path: path.join(SHOTS, 'settings-page.png'), fullPage: true });
  });

  it('edits a mailbox: an empty password keeps the stored one', async () => {
    const panel = await settingsPanel();
    await panel.getByRole('button', { name: 'Edit Invoices ACME' }).click();
    expect(await panel.getByLabel('Password', exact).inputValue()).toBe('');
    await panel.getByRole('button', { name: 'Check connection and load folders' }).click();
    await panel.locator('.check-ok').waitFor();
    await panel.getByLabel('Description', exact).fill('Invoices ACME North');
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    await panel.locator('tr', { hasText: 'Invoices ACME North' }).waitFor();
  });

  it('speaks German when the browser is German', async () => {
    const german = await launchWithExtension(ensureChromeBuild(), 'de-DE');
    try {
      // A fresh profile: the settings go straight into the extension's storage.local.
      type Chrome = { storage: { local: { set(items: object): Promise<void> } } };
      await german.background.evaluate(
        ([relayUrl, apiToken]) =>
          (globalThis as unknown as { chrome: Chrome }).chrome.storage.local.set({ relayUrl, apiToken }),
        [relay.url, relay.token] as const,
      );
      const dePage = await german.context.newPage();
      await dePage.goto(`${onventis.origin}/maintenance/settings/email-import`);
      const panel = await panelFrame(dePage, german.extensionId);
      expect(await panel.locator('h1').textContent()).toBe('Postfach verbinden');
      await panel.locator('tr', { hasText: 'Invoices ACME North' }).waitFor();
      expect(await panel.locator('thead').textContent()).toContain('Nächster Lauf');
      await panel.getByRole('button', { name: 'Neu' }).click();
      expect(await panel.getByRole('menuitem').allTextContents()).toEqual(['IMAP', 'Office 365', 'Gmail']);
      await dePage.locator('mailbox-connect-panel').screenshot({ path: path.join(SHOTS, 'panel-de.png') });
    } finally {
      await german.close();
    }
  });

  it('deletes a mailbox after confirmation', async () => {
    const panel = await settingsPanel();
    await panel.getByRole('button', { name: 'Delete Invoices ACME North' }).click();
    const dialog = panel.getByRole('alertdialog');
    expect(await dialog.textContent()).toContain('Delete the mailbox "Invoices ACME North"?');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await panel.locator('.empty').waitFor();
  });
});

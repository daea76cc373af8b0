import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MutableResponse } from 'oauth2-mock-server';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { startOidc, type Oidc } from '../helpers/oidc.js';
import { launchWithExtension, panelFrame, setRelaySettings, type ExtensionBrowser } from './support/browser';
import { ensureChromeBuild } from './support/extension-build';
import { invoiceMail } from './support/mails';
import { startFakeOnventis, type FakeOnventis } from './support/onventis-server';
import { startRelayProcess, type RelayProcess } from './support/relay-process';
import { SHOTS } from './support/screenshots.js';

/** The ID that wxt.config.ts's public key gives the extension (README: "A stable extension ID"). */
const EXTENSION_ID = 'gjmoihgdleadhaodbokanaefbnjddppg';
const ALICE = 'alice@example.test';
const GMAIL = 'bob@example.test';
const SHARED = 'shared@example.test';
const TENANT = 'contoso-tenant-id';
const MANAGER = 'it-admin';
const IMPORTED = 'Rechnungen/Importiert';
const NOT_IMPORTED = 'Rechnungen/Nicht importiert';
const SHARED_SOURCE = 'Eingang Kreditoren';
const SHARED_IMPORTED = 'Kreditoren importiert';
const SHARED_NOT_IMPORTED = 'Kreditoren nicht importiert';
const exact = { exact: true } as const;

let oidc: Oidc;
let dovecot: Dovecot;
let relay: RelayProcess;
let onventis: FakeOnventis;
let browser: ExtensionBrowser;
let page: Page;
let caDir: string;

async function settingsPanel(): Promise<Frame> {
  await page.goto(`${onventis.origin}/maintenance/settings/email-import`);
  const panel = await panelFrame(page, browser.extensionId);
  await panel.locator('table.mailboxes, .empty').first().waitFor();
  return panel;
}

const shoot = (name: string) =>
  page.locator('mailbox-connect-panel').screenshot({ path: path.join(SHOTS, name) });

/** The sign-in window launchWebAuthFlow opens: a new page of the browser's context. */
async function signInWindow(open: () => Promise<void>): Promise<Page> {
  const [popup] = await Promise.all([browser.context.waitForEvent('page'), open()]);
  await popup.waitForLoadState('domcontentloaded');
  return popup;
}

/** New → Office 365 / Gmail; the local OIDC server redirects at once, so no window shows. */
async function connectNew(panel: Frame, provider: 'Office 365' | 'Gmail'): Promise<void> {
  await panel.getByRole('button', { name: 'New' }).click();
  await panel.getByRole('menuitem', { name: provider }).click();
}

/** After a sign-in: Company, the IMAP server pointed at the test Dovecot, check over XOAUTH2. */
async function fillConnectedForm(panel: Frame, company: string): Promise<void> {
  await panel.getByLabel('Company', exact).fill(company);
  await panel.getByLabel('IMAP server', exact).fill('127.0.0.1');
  await panel.getByLabel('IMAP port', exact).fill(String(dovecot.imapsPort));
  await panel.getByRole('button', { name: 'Check connection and load folders' }).click();
  await panel.locator('.check-ok').waitFor();
}

async function runNow(panel: Frame, description: string): Promise<string> {
  await panel.getByRole('button', { name: `Run an import of ${description} now` }).click();
  await panel.locator('.run-completed, .run-failed').waitFor({ timeout: 30_000 });
  return (await panel.locator('.run-view').textContent()) ?? '';
}

describe.sequential('Office 365 and Gmail in Chromium: sign-in windows, consent, reconnect', () => {
  beforeAll(async () => {
    const extension = ensureChromeBuild();
    mkdirSync(SHOTS, { recursive: true });
    oidc = await startOidc({ user: { email: ALICE, preferred_username: ALICE, name: 'Alice', tid: TENANT } });
    // Access tokens that live 60 s as far as the relay and MSAL know (the JWT itself is valid for
    // an hour, so Dovecot accepts it): every use of a mailbox refreshes through /token.
    oidc.service.on('beforeResponse', (response: MutableResponse) => {
      if (response.statusCode === 200 && typeof response.body === 'object') response.body.expires_in = 60;
    });
    dovecot = await startDovecot({
      users: [
        { name: ALICE, password: 'alice-password' },
        { name: GMAIL, password: 'bob-password' },
      ],
      oauth2: {
        introspectionUrl: oidc.introspectUrl,
        caCertPath: oidc.caCertPath,
        delegates: { [SHARED]: [ALICE] },
      },
    });
    for (const user of [ALICE, GMAIL]) {
      for (const folder of ['Rechnungen', IMPORTED, NOT_IMPORTED]) await dovecot.createFolder(user, folder);
    }
    for (const folder of [SHARED_SOURCE, SHARED_IMPORTED, SHARED_NOT_IMPORTED])
      await dovecot.createFolder(SHARED, folder);
    await dovecot.appendMessage(ALICE, 'INBOX', invoiceMail('Rechnung O365-1', 'o365-1'));
    await dovecot.appendMessage(GMAIL, 'INBOX', invoiceMail('Rechnung Gmail-1', 'gmail-1'));
    await dovecot.appendMessage(SHARED, SHARED_SOURCE, invoiceMail('Rechnung Shared-1', 'shared-1'));

    // The relay must trust both the mail server and the identity server.
    caDir = mkdtempSync(path.join(tmpdir(), 'e2e-ca-'));
    const caFile = path.join(caDir, 'ca.pem');
    writeFileSync(caFile, `${dovecot.caCertPem}\n${oidc.caCertPem}\n`);
    relay = await startRelayProcess({
      caCertPath: caFile,
      users: [{ user: 'alice' }, { user: MANAGER, roles: ['Azure Active Directory Manager'] }],
      env: {
        RELAY_MS_CLIENT_ID: 'mailbox-connect-e2e',
        RELAY_MS_CLIENT_SECRET: 'e2e-ms-secret',
        RELAY_MS_AUTHORITY: oidc.issuer,
        RELAY_GOOGLE_CLIENT_ID: 'mailbox-connect-e2e-google',
        RELAY_GOOGLE_CLIENT_SECRET: 'e2e-google-secret',
        RELAY_GOOGLE_AUTH_URL: oidc.authorizeUrl,
        RELAY_GOOGLE_TOKEN_URL: oidc.tokenUrl,
      },
    });
    onventis = await startFakeOnventis();
    browser = await launchWithExtension(extension);
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await onventis?.stop();
    await relay?.stop();
    await dovecot?.stop();
    await oidc?.stop();
    if (caDir) rmSync(caDir, { recursive: true, force: true });
  });

  it('has the extension ID that the manifest key fixes', () => {
    expect(browser.extensionId).toBe(EXTENSION_ID);
  });

  it('an Azure Active Directory Manager gives the Office365 Consent; closing or not ticking is explained', async () => {
    await setRelaySettings(browser, relay.url, relay.tokens[MANAGER] ?? '');
    const panel = await settingsPanel();
    const consent = panel.getByRole('button', { name: 'Office365 Consent' });

    // The window closed by the user.
    let popup = await signInWindow(() => consent.click());
    await popup.getByRole('button', { name: 'Accept' }).waitFor();
    expect(await panel.getByTestId('signing-in').textContent()).toContain('Microsoft window');
    await popup.close();
    await panel.getByRole('alert').waitFor();
    expect(await panel.getByRole('alert').textContent()).toContain(
      'Sign-in was cancelled, or the mail provider denied access.',
    );

    // Accepted without "Consent on behalf of your organization".
    popup = await signInWindow(() => consent.click());
    await popup.getByRole('button', { name: 'Accept' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toContain('Consent on behalf of your organization');
    expect(await panel.locator('.consents').count()).toBe(0);

    popup = await signInWindow(() => consent.click());
    await popup.getByLabel('Consent on behalf of your organization').check();
    await popup.screenshot({ path: path.join(SHOTS, 'consent.png') });
    await popup.getByRole('button', { name: 'Accept' }).click();
    await panel.getByText(`Office 365 consent given for the organisation ${TENANT}.`).waitFor();
    expect(await panel.locator(`.consents [data-tenant="${TENANT}"]`).textContent()).toContain(MANAGER);
    expect(await panel.getByRole('alert').count()).toBe(0);
    await shoot('consent-given.png');
  });

  it('a user without the role sees no Office365 Consent button', async () => {
    await setRelaySettings(browser, relay.url, relay.tokens.alice ?? '');
    const panel = await settingsPanel();
    // /api/me and the list are asked for together; give the roles a moment to arrive.
    await page.waitForTimeout(500);
    expect(await panel.getByRole('button', { name: 'Office365 Consent' }).count()).toBe(0);
    expect(await panel.getByRole('button', { name: 'New' }).isEnabled()).toBe(true);
  });

  it('New → Office 365: signs in, shows the account, checks over XOAUTH2, imports', async () => {
    const panel = await settingsPanel();
    await connectNew(panel, 'Office 365');
    await panel.getByRole('form', { name: `Edit "${ALICE}"` }).waitFor();
    expect(await panel.getByRole('status').first().textContent()).toContain(
      `${ALICE} is connected. Now fill in the Company`,
    );
    expect(await panel.getByTestId('account-address').textContent()).toBe(ALICE);
    expect(await panel.getByTestId('account-tenant').textContent()).toBe(TENANT);
    expect(await panel.getByLabel('IMAP server', exact).inputValue()).toBe('outlook.office365.com');
    expect(await panel.getByLabel('Password', exact).count()).toBe(0);
    // "Now do fill in the Company" (seed page): the form starts there.
    expect(await panel.evaluate<string>('document.activeElement.id')).toBe('company');
    await shoot('oauth-connected.png');

    await fillConnectedForm(panel, 'ACME GmbH');
    await panel.getByLabel('Move imported mails to', exact).selectOption(IMPORTED);
    await panel.getByLabel('Move not imported mails to', exact).selectOption(NOT_IMPORTED);
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    // The list shows its last copy until the reload after saving arrives: wait for the saved row.
    const row = panel.locator('tr', { hasText: 'ACME GmbH' });
    await row.waitFor();
    expect(await row.textContent()).toContain(ALICE);
    expect(await row.textContent()).toContain('Office 365');

    expect(await runNow(panel, ALICE)).toContain('imported: 1');
    expect(await dovecot.messageCount(ALICE, IMPORTED)).toBe(1);
  });

  it('Office 365 shared mailbox: Use shared mailbox, then the check lists its folders', async () => {
    let panel = await settingsPanel();
    await panel.getByRole('button', { name: `Edit ${ALICE}` }).click();
    await panel.getByLabel('Use shared mailbox', exact).check();
    await panel.getByLabel('Shared Mailbox', exact).fill(SHARED);
    // The check tries the edited setting before it is saved.
    await panel.getByRole('button', { name: 'Check connection and load folders' }).click();
    await panel.locator('.check-ok').waitFor();
    const sources = await panel.getByLabel('Retrieve mails from', exact).locator('option').allTextContents();
    expect(sources).toContain(SHARED_SOURCE);
    expect(sources).not.toContain(IMPORTED);
    await panel.getByLabel('Retrieve mails from', exact).selectOption(SHARED_SOURCE);
    await panel.getByLabel('Move imported mails to', exact).selectOption(SHARED_IMPORTED);
    await panel.getByLabel('Move not imported mails to', exact).selectOption(SHARED_NOT_IMPORTED);
    await shoot('oauth-shared-mailbox.png');
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    await panel.locator('tr', { hasText: `Shared Mailbox: ${SHARED}` }).waitFor();

    panel = await settingsPanel();
    await panel.getByRole('button', { name: `Edit ${ALICE}` }).click();
    expect(await panel.getByLabel('Shared Mailbox', exact).inputValue()).toBe(SHARED);
    expect(await panel.getByLabel('Retrieve mails from', exact).inputValue()).toBe(SHARED_SOURCE);
  });

  it('a refused refresh (invalid_grant) shows Sign-in expired with Reconnect; Reconnect makes it work again', async () => {
    // The checks and the run so far each refreshed the short-lived access token with the refresh token.
    expect(oidc.tokenRequests.filter((r) => r.grant_type === 'refresh_token').length).toBeGreaterThan(0);
    let panel = await settingsPanel();
    oidc.failNextToken('invalid_grant', 'AADSTS70008: The refresh token has expired.');
    const failed = await runNow(panel, ALICE);
    expect(failed).toContain('Import failed.');
    expect(failed).toContain('The sign-in has expired. Please connect the mailbox again.');
    await panel.getByRole('button', { name: 'Back to the list' }).click();
    const row = panel.locator('tr', { hasText: ALICE });
    await row.locator('.badge-needs_reauth').waitFor();
    expect(await row.locator('.badge').textContent()).toContain('Sign-in expired');
    await shoot('oauth-needs-reauth.png');

    // The alert banner offers the same Reconnect; the row's is the one this story is about.
    await panel
      .getByRole('region', { name: 'Alerts' })
      .getByText('The sign-in has expired')
      .first()
      .waitFor();
    await row.getByRole('button', { name: `Reconnect ${ALICE}` }).click();
    await panel.getByText(`${ALICE} is connected again.`).waitFor();
    await row.locator('.badge-ok').waitFor();
    expect(await panel.getByRole('button', { name: `Reconnect ${ALICE}` }).count()).toBe(0);

    panel = await settingsPanel();
    expect(await runNow(panel, ALICE)).toContain('imported: 1');
    expect(await dovecot.messageCount(SHARED, SHARED_IMPORTED)).toBe(1);
  });

  it('a refused sign-in (access_denied) is said in words', async () => {
    const panel = await settingsPanel();
    oidc.failNextAuthorize('access_denied', 'The user cancelled the sign-in.');
    await connectNew(panel, 'Office 365');
    const alert = panel.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Sign-in was cancelled, or the mail provider denied access.');
    await shoot('oauth-access-denied.png');
    // Nothing was created.
    expect(await panel.locator('tbody tr').count()).toBe(1);
  });

  it('New → Gmail: signs in, checks over XOAUTH2, imports', async () => {
    oidc.setScope('openid email https://mail.google.com/');
    oidc.setUser({ email: GMAIL, name: 'Bob' });
    const panel = await settingsPanel();
    await connectNew(panel, 'Gmail');
    await panel.getByRole('form', { name: `Edit "${GMAIL}"` }).waitFor();
    expect(await panel.getByTestId('account-address').textContent()).toBe(GMAIL);
    expect(await panel.getByLabel('IMAP server', exact).inputValue()).toBe('imap.gmail.com');
    // Shared mailboxes are an Office 365 feature (seed page 10–11).
    expect(await panel.getByLabel('Use shared mailbox', exact).count()).toBe(0);

    await fillConnectedForm(panel, 'Beta AG');
    await panel.getByLabel('Move imported mails to', exact).selectOption(IMPORTED);
    await panel.getByLabel('Move not imported mails to', exact).selectOption(NOT_IMPORTED);
    await panel.getByRole('button', { name: 'Save', exact: true }).click();
    const row = panel.locator('tr', { hasText: 'Beta AG' });
    await row.waitFor();
    expect(await row.textContent()).toContain(GMAIL);
    expect(await row.textContent()).toContain('Gmail');

    expect(await runNow(panel, GMAIL)).toContain('imported: 1');
    expect(await dovecot.messageCount(GMAIL, IMPORTED)).toBe(1);
    await panel.getByRole('button', { name: 'Back to the list' }).click();
    await row.waitFor();
    await shoot('oauth-panel.png');
  });
});

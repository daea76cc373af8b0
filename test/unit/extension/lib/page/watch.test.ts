import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentScriptContext } from 'wxt/utils/content-script-context';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { watchSettingsPage } from '../../../../../extension/lib/page/watch';
import { fixtureHtml } from '../../paths';

const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

function loadPage(name: string) {
  const parsed = new DOMParser().parseFromString(fixtureHtml(name), 'text/html');
  document.body.replaceWith(document.importNode(parsed.body, true));
}

/** What the content script sees: the page as the user navigates inside Onventis's single-page app. */
describe('watchSettingsPage', () => {
  let ctx: ContentScriptContext;
  let seen: (string | null)[];
  beforeEach(() => {
    fakeBrowser.reset();
    ctx = new ContentScriptContext('onventis', { matches: ['https://*.onventis.com/*'] });
    seen = [];
  });
  afterEach(() => ctx.abort());

  const watch = () =>
    watchSettingsPage(ctx, document, { onChange: (anchor) => seen.push(anchor ? anchor.className : null) });

  it('reports the anchor at once on the settings page', () => {
    loadPage('email-import-configuration.html');
    watch();
    expect(seen).toEqual(['ov-page-title']);
  });

  it('stays quiet on another page, and reports the settings page after in-page navigation', async () => {
    loadPage('invoice-overview.html');
    watch();
    expect(seen).toEqual([]);
    const template = document.getElementById('ov-email-import-template') as HTMLTemplateElement;
    document.getElementById('ov-main')!.replaceChildren(template.content.cloneNode(true));
    await frame();
    expect(seen).toEqual(['ov-page-title']);
    document.getElementById('ov-main')!.replaceChildren(document.createElement('p'));
    await frame();
    expect(seen).toEqual(['ov-page-title', null]);
  });

  it('ignores changes that leave the page as it is (its own panel being mounted, say)', async () => {
    loadPage('email-import-configuration.html');
    watch();
    document.querySelector('.ov-page-title')!.after(document.createElement('mailbox-connect-panel'));
    await frame();
    expect(seen).toEqual(['ov-page-title']);
  });

  it('dies quietly once the extension context is invalidated', async () => {
    loadPage('invoice-overview.html');
    watch();
    ctx.abort();
    const template = document.getElementById('ov-email-import-template') as HTMLTemplateElement;
    document.getElementById('ov-main')!.replaceChildren(template.content.cloneNode(true));
    await frame();
    expect(seen).toEqual([]);
  });
});

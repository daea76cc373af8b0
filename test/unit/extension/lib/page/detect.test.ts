import { describe, expect, it } from 'vitest';
import { findSettingsHeading, isSettingsPage, panelAnchor } from '../../../../../extension/lib/page/detect';
import { fixtureHtml as fixture } from '../../paths';

function parse(html: string): Document {
  return new DOMParser().parseFromString(html, 'text/html');
}

describe('the Email import configuration page', () => {
  it('is found by its heading on the saved settings page', () => {
    const doc = parse(fixture('email-import-configuration.html'));
    expect(isSettingsPage(doc)).toBe(true);
    expect(findSettingsHeading(doc)?.textContent).toBe('Email import configuration');
  });

  it('puts the panel after the title block, before the toolbar', () => {
    const doc = parse(fixture('email-import-configuration.html'));
    const anchor = panelAnchor(doc);
    expect(anchor?.className).toBe('ov-page-title');
    expect(anchor?.nextElementSibling?.className).toBe('ov-toolbar');
  });

  it('is not another page that only names it in a menu or text', () => {
    const doc = parse(fixture('invoice-overview.html'));
    expect(doc.body.textContent).toContain('Email import configuration');
    expect(isSettingsPage(doc)).toBe(false);
    expect(panelAnchor(doc)).toBeNull();
  });

  it('is found after in-page navigation swaps the content in', () => {
    const doc = parse(fixture('invoice-overview.html'));
    const template = doc.getElementById('ov-email-import-template') as HTMLTemplateElement;
    doc.getElementById('ov-main')!.replaceChildren(template.content.cloneNode(true));
    expect(isSettingsPage(doc)).toBe(true);
  });

  it.each(['E-Mail-Import-Konfiguration', 'E-mail import configuration', '  EMAIL IMPORT\n CONFIGURATION '])(
    'accepts the heading written as %j',
    (title) => {
      const doc = parse(`<main><h2>${title}</h2></main>`);
      expect(isSettingsPage(doc)).toBe(true);
    },
  );

  it('ignores look-alikes that are not the heading', () => {
    const doc = parse(
      '<main><h1>Email import configuration help</h1><p>Email import configuration</p></main>',
    );
    expect(isSettingsPage(doc)).toBe(false);
  });
});

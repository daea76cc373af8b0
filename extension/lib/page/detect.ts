/**
 * Everything that knows what the Onventis "Email import configuration" page looks like. The page is
 * found by its content, not its URL: Onventis routes differ between tenants and versions, and a
 * heading survives redesigns better than class names.
 */

/** The page's heading, compared without case, spaces and hyphens ("E-Mail-Import-Konfiguration" too). */
const TITLES = new Set(['emailimportconfiguration', 'emailimportkonfiguration']);

const HEADINGS = 'h1, h2, h3, [role="heading"]';

function normalise(text: string | null): string {
  return (text ?? '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** The heading of the Email import configuration page, or null when `doc` is another page. */
export function findSettingsHeading(doc: Document): HTMLElement | null {
  for (const heading of doc.querySelectorAll<HTMLElement>(HEADINGS)) {
    // Headings of our own panel host must not count (it lives in a shadow root, but be explicit).
    if (heading.closest(PANEL_HOST_TAG)) continue;
    if (TITLES.has(normalise(heading.textContent))) return heading;
  }
  return null;
}

export function isSettingsPage(doc: Document): boolean {
  return findSettingsHeading(doc) !== null;
}

/**
 * Where the panel goes: after the block that holds the heading, so it sits between the page title and
 * Onventis's own toolbar and grid.
 */
export function panelAnchor(doc: Document): Element | null {
  const heading = findSettingsHeading(doc);
  if (!heading) return null;
  const block = heading.parentElement;
  return block && block !== doc.body && block.children.length === 1 ? block : heading;
}

/** The custom element name of the shadow-root host (WXT's createShadowRootUi `name`). */
export const PANEL_HOST_TAG = 'mailbox-connect-panel';

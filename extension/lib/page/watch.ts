import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { panelAnchor } from './detect';

export interface PageWatcher {
  /** Called with the anchor whenever the settings page appears or is re-rendered, null when it goes. */
  onChange(anchor: Element | null): void;
}

/**
 * Calls `onChange` now and whenever the answer to "is this the settings page, and where does the
 * panel go?" changes: after in-page navigation (WXT's `wxt:locationchange`) and after DOM changes
 * (single-page apps swap content without navigating). Everything is registered through `ctx`, so an
 * invalidated extension context (update, reload) stops it quietly.
 */
export function watchSettingsPage(ctx: ContentScriptContext, doc: Document, watcher: PageWatcher): void {
  let current: Element | null = null;
  let scheduled = false;

  const check = () => {
    scheduled = false;
    if (ctx.isInvalid) return;
    const anchor = panelAnchor(doc);
    const anchorGone = current !== null && !current.isConnected;
    if (anchor === current && !anchorGone) return;
    current = anchor;
    watcher.onChange(anchor);
  };
  // Mutations come in bursts; one check per animation frame is plenty.
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    ctx.requestAnimationFrame(check);
  };

  const observer = new MutationObserver(schedule);
  observer.observe(doc.documentElement, { childList: true, subtree: true, characterData: true });
  ctx.onInvalidated(() => observer.disconnect());
  ctx.addEventListener(window, 'wxt:locationchange', schedule);
  check();
}

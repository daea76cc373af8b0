import { i18n } from '#i18n';
import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi, type ShadowRootContentScriptUi } from 'wxt/utils/content-script-ui/shadow-root';
import { heightFrom } from './frame-height';
import { PANEL_HOST_TAG } from './page/detect';

// Inline, so the content script never fetches anything (not even its own stylesheet).
const HOST_CSS = `
  :host { display: block !important; margin: 12px 0 !important; }
  iframe { display: block; width: 100%; height: 320px; border: 0; color-scheme: light; }
`;

interface Mounted {
  frame: HTMLIFrameElement;
  listening: AbortController;
}

/**
 * The panel is an extension page framed inside a closed shadow root: Onventis's CSS and ours never mix,
 * and nothing typed into it (passwords) is reachable by the page's scripts, which cannot see into a
 * cross-origin frame (DESIGN §4).
 */
function createPanelHost(
  ctx: ContentScriptContext,
  anchor: Element,
): Promise<ShadowRootContentScriptUi<Mounted>> {
  return createShadowRootUi(ctx, {
    name: PANEL_HOST_TAG,
    mode: 'closed',
    css: HOST_CSS,
    position: 'inline',
    anchor,
    append: 'after',
    onMount(container) {
      const frame = document.createElement('iframe');
      frame.src = browser.runtime.getURL('/panel.html');
      frame.title = i18n.t('panel.title');
      container.append(frame);
      // Removed with the host (onRemove), which WXT also calls when the context is invalidated.
      const listening = new AbortController();
      const onMessage = (event: MessageEvent) => {
        const height = heightFrom(event, frame);
        if (height !== null) frame.style.height = `${height}px`;
      };
      window.addEventListener('message', onMessage, { signal: listening.signal });
      return { frame, listening };
    },
    onRemove(mounted) {
      mounted?.listening.abort();
      mounted?.frame.remove();
    },
  });
}

/** Keeps exactly one panel mounted next to the current anchor, none when there is no anchor. */
export function panelMounter(ctx: ContentScriptContext): (anchor: Element | null) => Promise<void> {
  let host: ShadowRootContentScriptUi<Mounted> | undefined;
  let generation = 0;
  return async (anchor) => {
    const mine = ++generation;
    host?.remove();
    host = undefined;
    if (!anchor) return;
    const next = await createPanelHost(ctx, anchor);
    // A newer change (or an invalidated context) won while the host was being built.
    if (mine !== generation || ctx.isInvalid || !anchor.isConnected) return;
    host = next;
    host.mount();
  };
}

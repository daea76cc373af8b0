/**
 * The panel's frame grows with its content. The panel tells its embedder (the content script in the
 * Onventis page) how tall it is; a height is the only thing it ever posts, so the page learns nothing
 * else, and the content script accepts it only from the panel's own frame window.
 */
export const HEIGHT_MESSAGE = 'mailboxConnectPanelHeight';

/** Panel side: post the content's height whenever it changes. */
export function reportHeightToEmbedder(content: HTMLElement): void {
  if (window.parent === window) return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(content.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    // Any origin: the embedder is an Onventis page whose origin differs per tenant; a number is all it gets.
    window.parent.postMessage({ [HEIGHT_MESSAGE]: height }, '*');
  }).observe(content);
}

const MIN_HEIGHT = 160;
const MAX_HEIGHT = 2000;

/** Content script side: the height posted by `frame`'s own window, clamped; null for anything else. */
export function heightFrom(event: MessageEvent, frame: HTMLIFrameElement): number | null {
  if (event.source === null || event.source !== frame.contentWindow) return null;
  const value: unknown = (event.data as Record<string, unknown> | null)?.[HEIGHT_MESSAGE];
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(value)));
}

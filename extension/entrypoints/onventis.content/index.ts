import { defineContentScript } from 'wxt/utils/define-content-script';
import { panelMounter } from '../../lib/panel-host';
import { ONVENTIS_MATCHES } from '../../lib/page/origins';
import { watchSettingsPage } from '../../lib/page/watch';

// Shows the "Connect mailbox" panel on Maintenance → Settings → Email import configuration only.
export default defineContentScript({
  matches: ONVENTIS_MATCHES,
  // Onventis pages may sit in frames; each frame looks for the heading in its own document.
  allFrames: true,
  main(ctx) {
    const mount = panelMounter(ctx);
    watchSettingsPage(ctx, document, { onChange: (anchor) => void mount(anchor) });
  },
});

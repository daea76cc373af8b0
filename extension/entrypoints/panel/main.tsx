import { render } from 'preact';
import { browser } from 'wxt/browser';
import { LocaleContext } from '../../components/i18n';
import { Panel } from '../../components/panel';
import '../../components/styles/index.css';
import { reportHeightToEmbedder } from '../../lib/frame-height';
import { browserLocale } from '../../lib/locale';
import { sendMessage } from '../../lib/messaging';

// The panel framed into the Onventis settings page; its relay calls go through the background.
const app = document.getElementById('app')!;
render(
  <LocaleContext.Provider value={browserLocale()}>
    <Panel send={sendMessage} openOptions={() => void browser.runtime.openOptionsPage()} />
  </LocaleContext.Provider>,
  app,
);
reportHeightToEmbedder(app);

import { render } from 'preact';
import { LocaleContext } from '../../components/i18n';
import { OptionsForm } from '../../components/options-form';
import '../../components/styles/index.css';
import { browserLocale } from '../../lib/locale';
import { saveRelay, testRelay } from '../../lib/relay-origin';
import { loadRelaySettings } from '../../lib/storage';

// Relay URL and API token; "Test" asks the relay who the token belongs to.
void loadRelaySettings().then((initial) =>
  render(
    <LocaleContext.Provider value={browserLocale()}>
      <OptionsForm initial={initial} onSave={saveRelay} onTest={testRelay} />
    </LocaleContext.Provider>,
    document.getElementById('app')!,
  ),
);

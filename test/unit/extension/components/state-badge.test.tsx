import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { initialState, type MailboxState } from '../../../../shared/mailbox.js';
import { StateBadge } from '../../../../extension/components/state-badge';
import { renderIn } from './panel-harness';

const since = '2024-08-01T08:47:36Z';
const retrying = (mails: number): MailboxState => ({
  ...initialState(),
  status: 'retrying',
  retrying: { mails, since },
});
/** The panel's date and time, with seconds, as the test machine's time zone shows it. */
const at = (lang: string) =>
  new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(since));
const badge = () => document.querySelector('.badge')?.textContent;
const retryLine = () => document.querySelector('.state-retrying')?.textContent;

describe('the state badge', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(() => render(null, document.body));

  it('says "Retrying" and how many mails wait since when, to the second', async () => {
    await renderIn(<StateBadge state={retrying(3)} />);
    expect(badge()).toBe('Retrying');
    expect(document.querySelector('[data-status=retrying]')?.className).toContain('badge-retrying');
    expect(retryLine()).toBe(`3 mails wait for a retry since ${at('en')}.`);
    expect(at('en')).toMatch(/\d:\d{2}:36/);
  });

  it('says one mail in the singular', async () => {
    await renderIn(<StateBadge state={retrying(1)} />);
    expect(retryLine()).toBe(`1 mail waits for a retry since ${at('en')}.`);
  });

  it('speaks German', async () => {
    await renderIn(<StateBadge state={retrying(3)} />, 'de');
    expect(badge()).toBe('Wird wiederholt');
    expect(retryLine()).toBe(`3 E-Mails warten seit ${at('de')} auf einen erneuten Versuch.`);
    expect(at('de')).toMatch(/\d:\d{2}:36/);
  });

  it('says nothing about retries when no mail waits', async () => {
    await renderIn(<StateBadge state={initialState()} />);
    expect(badge()).toBe('OK');
    expect(retryLine()).toBeUndefined();
  });
});

import { afterEach, expect, it } from 'vitest';
import { RelayError } from '../../../relay/errors.js';
import type { MailboxDriver } from '../../../relay/mail/driver.js';
import { imapMailbox, startTestRelay, type TestRelay } from '../../helpers/relay.js';

let t: TestRelay | undefined;
afterEach(() => t?.close());

/** A mail server that never answers the login until told: every run stays in its first step. */
function stalledDriver() {
  const waiting: (() => void)[] = [];
  const driver: MailboxDriver = {
    check: () => Promise.reject(new Error('not used')),
    open: () =>
      new Promise((_, reject) =>
        waiting.push(() => reject(new RelayError('network', 'The test mail server went away.'))),
      ),
  };
  return { driver, release: () => waiting.splice(0).forEach((f) => f()) };
}

it('"import now" for more mailboxes than 4 × the run slots: the rest are answered 429, none is lost', async () => {
  const server = stalledDriver();
  t = await startTestRelay({ env: { RELAY_MAX_CONCURRENT_RUNS: '1' }, driver: server.driver });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await t.call(t.tokens.admin, 'POST', '/api/mailboxes', {
      ...imapMailbox(),
      description: `AP ${i}`,
      folders: { source: 'INBOX', imported: 'Imported', notImported: 'Not imported' },
    });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  const answers = [];
  for (const id of ids) answers.push(await t.call(t.tokens.admin, 'POST', `/api/mailboxes/${id}/runs`));
  expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 429, 429]);
  expect(answers[4]?.body.error).toMatchObject({ kind: 'rate_limited' });
  expect(answers[4]?.body.error.message).toMatch(/busy: 4 imports are running or waiting/);
  // The busy ones end (the server went away); then the relay takes more again.
  server.release();
  for (let i = 0; i < 100 && t.relay.imports.activeCount() > 0; i++) {
    server.release();
    await new Promise((r) => setTimeout(r, 20));
  }
  const again = await t.call(t.tokens.admin, 'POST', `/api/mailboxes/${ids[5]}/runs`);
  expect(again.status).toBe(202);
  server.release();
});

it('an edit of the schedule answers with the next run it set; an edit of anything else keeps it', async () => {
  t = await startTestRelay();
  const created = await t.call(t.tokens.admin, 'POST', '/api/mailboxes', {
    ...imapMailbox(),
    autoProcessing: true,
    schedule: '0 0 1 1 *',
    folders: { source: 'INBOX', imported: 'Imported', notImported: 'Not imported' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(Date.parse(created.body.state.nextRun)).toBeGreaterThan(Date.now() + 86_400_000);
  const id = created.body.id;
  const hourly = await t.call(t.tokens.admin, 'PATCH', `/api/mailboxes/${id}`, { schedule: '0 * * * *' });
  expect(Date.parse(hourly.body.state.nextRun)).toBeLessThanOrEqual(Date.now() + 3_600_000);
  const renamed = await t.call(t.tokens.admin, 'PATCH', `/api/mailboxes/${id}`, { description: 'AP 2' });
  expect(renamed.body.state.nextRun).toBe(hourly.body.state.nextRun);
  const off = await t.call(t.tokens.admin, 'PATCH', `/api/mailboxes/${id}`, { autoProcessing: false });
  expect(off.body.state.nextRun).toBeNull();
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../../relay/jobs/scheduler.js';
import { buildMail, pdfBytes } from '../../fixtures/corpus.js';
import { ADMIN, type ImportEnv, startImportEnv } from '../../helpers/import-env.js';

let env: ImportEnv;
let scheduler: Scheduler;
beforeAll(async () => {
  env = await startImportEnv();
  scheduler = new Scheduler(env.t.relay.mailboxes, env.t.relay.imports);
  await scheduler.start(await env.t.relay.store.list());
});
afterAll(async () => {
  scheduler?.stop();
  await env?.close();
});

const state = async (id: string) => (await env.t.relay.mailboxes.find(id))!.state;

describe('Auto processing schedules', () => {
  it('a saved change takes effect without a restart', async () => {
    const id = await env.mailbox({ source: 'Sched', imported: 'Sched-Imported', notImported: 'Sched-Not' });
    expect((await state(id)).nextRun).toBeNull();
    await env.t.relay.mailboxes.update(ADMIN, id, { autoProcessing: true, schedule: '0 3 * * *' });
    await new Promise((r) => setTimeout(r, 50));
    const next = new Date((await state(id)).nextRun!);
    expect(next.getMinutes()).toBe(0);
    expect(next.getHours()).toBe(3);
    await env.t.relay.mailboxes.update(ADMIN, id, { autoProcessing: false });
    await new Promise((r) => setTimeout(r, 50));
    expect((await state(id)).nextRun).toBeNull();
  });

  it('a scheduled tick during a manual run starts no second run', async () => {
    const id = await env.mailbox({
      source: 'Overlap',
      imported: 'Overlap-Imported',
      notImported: 'Overlap-Not',
    });
    await env.t.relay.mailboxes.update(ADMIN, id, { autoProcessing: true });
    const mails = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        buildMail({
          subject: `I ${i}`,
          attachments: [
            { filename: `i${i}.pdf`, content: pdfBytes(20_000, `o${i}`), contentType: 'application/pdf' },
          ],
        }),
      ),
    );
    await env.dovecot.appendMessages('alice', 'Overlap', mails);
    const manual = await env.t.relay.imports.start(id, 'manual');
    await scheduler.fire(id);
    const run = await manual.done;
    expect(run.counts.imported).toBe(40);
    expect((await env.t.relay.runs.list(id)).map((r) => r.trigger)).toEqual(['manual']);
    expect(await env.dovecot.messageCount('alice', 'Overlap-Imported')).toBe(40);
  });

  it('a scheduled tick imports, and an auth failure pauses the schedule', async () => {
    const id = await env.mailbox({ source: 'Tick', imported: 'Tick-Imported', notImported: 'Tick-Not' });
    await env.t.relay.mailboxes.update(ADMIN, id, { autoProcessing: true });
    await env.dovecot.appendMessages('alice', 'Tick', [
      await buildMail({
        subject: 'x',
        attachments: [{ filename: 'a.pdf', content: pdfBytes(3000, 'tick'), contentType: 'application/pdf' }],
      }),
    ]);
    await scheduler.fire(id);
    expect((await env.t.relay.runs.list(id))[0]).toMatchObject({ trigger: 'schedule', status: 'completed' });
    expect(await env.dovecot.messageCount('alice', 'Tick-Imported')).toBe(1);

    await env.t.relay.mailboxes.update(ADMIN, id, { password: 'wrong' });
    await scheduler.fire(id);
    expect(await state(id)).toMatchObject({ status: 'auth_failed', paused: true, nextRun: null });
    await scheduler.fire(id);
    expect(await env.t.relay.runs.list(id)).toHaveLength(2);
  });
});

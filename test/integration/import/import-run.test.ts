import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail, corpus, pdfBytes } from '../../fixtures/corpus.js';
import { ADMIN, type ImportEnv, startImportEnv } from '../../helpers/import-env.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const invoice = (n: number, size = 4096) =>
  buildMail({
    subject: `Invoice ${n}`,
    messageId: `<invoice-${n}-${Math.random().toString(36).slice(2)}@test>`,
    text: 'Please find the invoice attached.',
    attachments: [
      { filename: `invoice-${n}.pdf`, content: pdfBytes(size, `inv-${n}`), contentType: 'application/pdf' },
    ],
  });

let env: ImportEnv;
beforeAll(async () => {
  env = await startImportEnv();
});
afterAll(() => env?.close());

describe('an import run over the corpus', () => {
  it('imports mails with documents, moves the rest to "not imported", and a second run imports nothing', async () => {
    const id = await env.mailbox({
      source: 'Corpus',
      imported: 'Corpus-Imported',
      notImported: 'Corpus-Not',
    });
    const raws = await Promise.all(corpus.map((c) => c.build()));
    await env.dovecot.appendMessages('alice', 'Corpus', raws);

    const run = await env.run(id);
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    expect(run.mails).toHaveLength(corpus.length);
    const withDocs = corpus.filter((c) => c.expect.documents > 0).length;
    expect(run.counts).toMatchObject({
      seen: corpus.length,
      imported: withDocs,
      notImported: corpus.length - withDocs,
    });
    corpus.forEach((c, i) => {
      const mail = run.mails[i]!;
      expect(mail.outcome, c.name).toBe(c.expect.documents > 0 ? 'imported' : 'not_imported');
      expect(mail.documents, c.name).toHaveLength(c.expect.documents);
      if (c.expect.documents === 0) expect(['no_documents', 'unparseable'], c.name).toContain(mail.reason);
    });
    expect(await env.dovecot.messageCount('alice', 'Corpus')).toBe(0);
    expect(await env.dovecot.messageCount('alice', 'Corpus-Imported')).toBe(withDocs);
    expect(await env.dovecot.messageCount('alice', 'Corpus-Not')).toBe(corpus.length - withDocs);
    const outbox = env.outbox(id);
    expect(outbox).toHaveLength(withDocs);
    expect(outbox[0]!.meta).toMatchObject({ company: 'Acme GmbH', mailbox: 'Invoices', folder: 'Corpus' });

    const second = await env.run(id);
    expect(second.counts).toMatchObject({ seen: 0, imported: 0, notImported: 0 });
    expect(env.outbox(id)).toHaveLength(withDocs);
    const history = await env.t.relay.runs.list(id);
    expect(history.map((r) => r.id)).toEqual([second.id, run.id]);
  });

  it('delivers the same mail found twice in one batch once', async () => {
    const id = await env.mailbox({ source: 'Twice', imported: 'Twice-Imported', notImported: 'Twice-Not' });
    const mail = await invoice(77);
    await env.dovecot.appendMessages('alice', 'Twice', [mail, mail]);
    const run = await env.run(id);
    expect(run.mails.map((m) => m.outcome)).toEqual(['imported', 'imported']);
    // Decided side by side: whichever copy is parsed first is delivered, the other waits for it.
    expect(run.mails.filter((m) => m.detail?.includes('delivered once'))).toHaveLength(1);
    expect(env.outbox(id)).toHaveLength(1);
    expect(await env.dovecot.messageCount('alice', 'Twice-Imported')).toBe(2);
  });

  it('streams a 25 MB attachment into the outbox intact', async () => {
    const id = await env.mailbox({ source: 'Big', imported: 'Big-Imported', notImported: 'Big-Not' });
    const pdf = pdfBytes(25 * 1024 * 1024, 'big');
    await env.dovecot.appendMessages('alice', 'Big', [
      await buildMail({
        subject: 'Big scan',
        attachments: [{ filename: 'scan.pdf', content: pdf, contentType: 'application/pdf' }],
      }),
    ]);
    const run = await env.run(id);
    expect(run.counts.imported).toBe(1);
    expect(run.mails[0]!.documents[0]).toMatchObject({ size: pdf.length, sha256: sha(pdf), type: 'pdf' });
  });

  it('decides too large mails before downloading them', async () => {
    const local = await startImportEnv({ env: { RELAY_MAX_MAIL_MB: '1' } });
    try {
      const id = await local.mailbox();
      await local.dovecot.appendMessages('alice', 'INBOX', [
        await invoice(1, 2 * 1024 * 1024),
        await invoice(2),
      ]);
      const run = await local.run(id);
      expect(run.mails.map((m) => [m.outcome, m.reason])).toEqual([
        ['not_imported', 'too_large'],
        ['imported', null],
      ]);
      expect(await local.dovecot.messageCount('alice', 'NotImported')).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('handles folders named with umlauts, ampersands and spaces', async () => {
    const id = await env.mailbox({
      source: 'Ärger & Co',
      imported: 'Rechnungen/Importiert',
      notImported: 'Rechnungen/Nicht importiert',
    });
    await env.dovecot.appendMessages('alice', 'Ärger & Co', [
      await invoice(10),
      await buildMail({ subject: 'Hello', text: 'no invoice' }),
    ]);
    const run = await env.run(id);
    expect(run.counts).toMatchObject({ imported: 1, notImported: 1 });
    expect(await env.dovecot.messageCount('alice', 'Rechnungen/Importiert')).toBe(1);
    expect(await env.dovecot.messageCount('alice', 'Rechnungen/Nicht importiert')).toBe(1);
    expect(await env.dovecot.messageCount('alice', 'Ärger & Co')).toBe(0);
  });

  it('leaves the source untouched when a target folder was deleted, and says so', async () => {
    const id = await env.mailbox({ source: 'Gone', imported: 'Gone-Imported', notImported: 'Gone-Not' });
    await env.dovecot.appendMessages('alice', 'Gone', [await invoice(20), await invoice(21)]);
    await env.dovecot.deleteFolder('alice', 'Gone-Imported');
    const run = await env.run(id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ kind: 'folder_missing' });
    expect(run.error!.message).toContain('Gone-Imported');
    expect(await env.dovecot.messageCount('alice', 'Gone')).toBe(2);
    expect(env.outbox(id)).toHaveLength(0);
    const m = await env.t.relay.mailboxes.find(id);
    expect(m!.state).toMatchObject({ status: 'folder_missing', lastRunId: run.id });
  });

  it('refuses a second run of one mailbox while one is going (409), scheduled or manual', async () => {
    const id = await env.mailbox({ source: 'Busy', imported: 'Busy-Imported', notImported: 'Busy-Not' });
    await env.dovecot.appendMessages(
      'alice',
      'Busy',
      await Promise.all(Array.from({ length: 30 }, (_, i) => invoice(100 + i))),
    );
    const first = await env.t.relay.imports.start(id, 'schedule');
    const res = await env.t.call(env.t.tokens.admin, 'POST', `/api/mailboxes/${id}/runs`);
    expect(res.status).toBe(409);
    expect(res.body.error.kind).toBe('conflict');
    const done = await first.done;
    expect(done.counts.imported).toBe(30);
    const after = await env.t.call(env.t.tokens.admin, 'POST', `/api/mailboxes/${id}/runs`);
    expect(after.status).toBe(202);
    expect(after.body).toMatchObject({ status: 'running', trigger: 'manual' });
    for (let i = 0; i < 100 && env.t.relay.imports.isRunning(id); i++)
      await new Promise((r) => setTimeout(r, 50));
    const runs = await env.t.call(env.t.tokens.admin, 'GET', `/api/mailboxes/${id}/runs`);
    expect(runs.body.map((r: { trigger: string }) => r.trigger)).toEqual(['manual', 'schedule']);
    const one = await env.t.call(env.t.tokens.clerk, 'GET', `/api/runs/${done.id}`);
    expect(one.status).toBe(200);
    expect(one.body.mails).toHaveLength(30);
    expect((await env.t.call(env.t.tokens.bob, 'GET', `/api/runs/${done.id}`)).status).toBe(404);
  });

  it('an auth failure pauses the mailbox until its credentials change', async () => {
    const id = await env.mailbox({ source: 'Auth', imported: 'Auth-Imported', notImported: 'Auth-Not' });
    await env.t.relay.mailboxes.update(ADMIN, id, { password: 'wrong' });
    const run = await env.run(id);
    expect(run.error?.kind).toBe('auth');
    expect((await env.t.relay.mailboxes.find(id))!.state).toMatchObject({
      status: 'auth_failed',
      paused: true,
    });
    await env.t.relay.mailboxes.update(ADMIN, id, { password: 'alice-secret' });
    expect((await env.t.relay.mailboxes.find(id))!.state).toMatchObject({ status: 'ok', paused: false });
    expect((await env.run(id)).status).toBe('completed');
  });
});

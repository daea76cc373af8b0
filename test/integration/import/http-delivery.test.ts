import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail, pdfBytes } from '../../fixtures/corpus.js';
import { type HttpReceiver, startHttpReceiver } from '../../helpers/http-receiver.js';
import { type ImportEnv, startImportEnv } from '../../helpers/import-env.js';

let env: ImportEnv;
let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startHttpReceiver();
  env = await startImportEnv({
    env: { RELAY_DELIVERY_URL: receiver.url, RELAY_DELIVERY_TOKEN: 'target-token', RELAY_MAX_TRIES: '3' },
  });
});
afterAll(async () => {
  await env?.close();
  await receiver?.close();
});

const invoice = (n: number) =>
  buildMail({
    subject: `Invoice ${n}`,
    messageId: `<http-${n}@test>`,
    attachments: [
      { filename: `invoice-${n}.pdf`, content: pdfBytes(3000, `http-${n}`), contentType: 'application/pdf' },
      { filename: `scan-${n}.pdf`, content: pdfBytes(2000, `scan-${n}`), contentType: 'application/pdf' },
    ],
  });

describe('delivery to an HTTP target', () => {
  it('retries a 500 and delivers once with the same Idempotency-Key', async () => {
    const id = await env.mailbox({ source: 'Http', imported: 'Http-Imported', notImported: 'Http-Not' });
    await env.dovecot.appendMessages('alice', 'Http', [await invoice(1)]);
    receiver.answer(500);
    const first = await env.run(id);
    expect(first.mails[0]).toMatchObject({ outcome: 'retrying', reason: null });
    expect(first.mails[0]!.detail).toContain('500');
    expect(await env.dovecot.messageCount('alice', 'Http')).toBe(1);

    const second = await env.run(id);
    expect(second.mails[0]).toMatchObject({ outcome: 'imported' });
    expect(await env.dovecot.messageCount('alice', 'Http-Imported')).toBe(1);
    expect(receiver.posts.map((p) => p.status)).toEqual([500, 200]);
    expect(new Set(receiver.posts.map((p) => p.key)).size).toBe(1);
    const got = receiver.accepted.get(receiver.posts[0]!.key)!;
    expect(got.documents.map((d) => d.name)).toEqual(['invoice-1.pdf', 'scan-1.pdf']);
    expect(got.metadata).toMatchObject({
      messageId: '<http-1@test>',
      subject: 'Invoice 1',
      company: 'Acme GmbH',
    });
  });

  it('moves a mail the target rejects (422) to "not imported" with the reason', async () => {
    const id = await env.mailbox({
      source: 'Reject',
      imported: 'Reject-Imported',
      notImported: 'Reject-Not',
    });
    await env.dovecot.appendMessages('alice', 'Reject', [await invoice(2)]);
    receiver.answer(422);
    const run = await env.run(id);
    expect(run.mails[0]).toMatchObject({ outcome: 'not_imported', reason: 'rejected' });
    expect(run.mails[0]!.detail).toContain('invoice already booked');
    expect(await env.dovecot.messageCount('alice', 'Reject-Not')).toBe(1);
  });

  it('stops the run and leaves the mails in the source when the target refuses the relay (401)', async () => {
    const id = await env.mailbox({
      source: 'Refused',
      imported: 'Refused-Imported',
      notImported: 'Refused-Not',
    });
    await env.dovecot.appendMessages('alice', 'Refused', [await invoice(4)]);
    receiver.answer(401);
    const run = await env.run(id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({
      kind: 'delivery',
      message: expect.stringContaining('RELAY_DELIVERY_TOKEN'),
    });
    expect(run.error!.message).not.toContain('target-token');
    expect(await env.dovecot.messageCount('alice', 'Refused')).toBe(1);
    expect(await env.dovecot.messageCount('alice', 'Refused-Not')).toBe(0);
    const again = await env.run(id);
    expect(again.mails[0]).toMatchObject({ outcome: 'imported' });
  });

  it('gives up after the last try and moves the mail to "not imported"', async () => {
    const id = await env.mailbox({ source: 'Down', imported: 'Down-Imported', notImported: 'Down-Not' });
    await env.dovecot.appendMessages('alice', 'Down', [await invoice(3)]);
    receiver.answer(503, 503, 503);
    expect((await env.run(id)).mails[0]!.outcome).toBe('retrying');
    expect((await env.run(id)).mails[0]!.outcome).toBe('retrying');
    const last = await env.run(id);
    expect(last.mails[0]).toMatchObject({ outcome: 'not_imported', reason: 'gave_up' });
    expect(await env.dovecot.messageCount('alice', 'Down-Not')).toBe(1);
  });
});

describe('a delivery target that never answers', () => {
  it('counts as transient after RELAY_DELIVERY_TIMEOUT_MS, and the mail stays in the source', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer(() => {}).on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const quick = await startImportEnv({
      env: { RELAY_DELIVERY_URL: `http://127.0.0.1:${port}/in`, RELAY_DELIVERY_TIMEOUT_MS: '300' },
    });
    try {
      const id = await quick.mailbox({ source: 'Slow', imported: 'Slow-Imported', notImported: 'Slow-Not' });
      await quick.dovecot.appendMessages('alice', 'Slow', [await invoice(9)]);
      const started = performance.now();
      const run = await quick.run(id);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(run.mails[0]).toMatchObject({ outcome: 'retrying', detail: 'The delivery target timed out.' });
      expect(await quick.dovecot.messageCount('alice', 'Slow')).toBe(1);
    } finally {
      await quick.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

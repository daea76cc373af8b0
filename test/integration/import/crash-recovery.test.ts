import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMail, pdfBytes } from '../../fixtures/corpus.js';
import type { DovecotOptions } from '../../helpers/dovecot.js';
import { type ImportEnv, startImportEnv } from '../../helpers/import-env.js';
import { relayCli } from '../../helpers/relay-cli.js';

const N = 12;
const mails = () =>
  Promise.all(
    Array.from({ length: N }, (_, i) =>
      buildMail({
        subject: `Invoice ${i}`,
        messageId: `<crash-${i}@test>`,
        attachments: [
          {
            filename: `invoice-${i}.pdf`,
            content: pdfBytes(5000, `crash-${i}`),
            contentType: 'application/pdf',
          },
        ],
      }),
    ),
  );

let env: ImportEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** A mailbox in a data directory the CLI may lock: the in-process relay lets go of it. */
async function setUp(dovecot?: DovecotOptions) {
  env = await startImportEnv(dovecot ? { dovecot } : {});
  const id = await env.mailbox();
  await env.dovecot.appendMessages('alice', 'INBOX', await mails());
  env.t.relay.release();
  const cliEnv = {
    RELAY_DATA_DIR: env.t.dataDir,
    RELAY_ALLOW_HOSTS: '127.0.0.1',
    NODE_EXTRA_CA_CERTS: env.dovecot.caCertPath,
  };
  return { e: env, id, cliEnv };
}

function outboxKeys(e: ImportEnv, id: string) {
  const dir = join(e.t.dataDir, 'outbox', id);
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function everyMailOnce(e: ImportEnv, id: string) {
  expect(await e.dovecot.messageCount('alice', 'INBOX')).toBe(0);
  expect(await e.dovecot.messageCount('alice', 'Imported')).toBe(N);
  expect(await e.dovecot.messageCount('alice', 'NotImported')).toBe(0);
  expect(outboxKeys(e, id)).toHaveLength(N);
  // Nothing half-staged is left behind (the folder itself is made when a run first stages a mail).
  const staging = join(e.t.dataDir, 'staging');
  expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
}

describe('a relay killed mid-run, then restarted', () => {
  it.each(['after-deliver', 'after-record', 'after-move'])(
    'SIGKILL %s: every mail delivered once and moved once',
    async (failpoint) => {
      const { e, id, cliEnv } = await setUp();
      const crashed = relayCli(['import', '--mailbox', id], { ...cliEnv, RELAY_FAILPOINT: failpoint });
      expect((await crashed.exited).signal).toBe('SIGKILL');
      expect(outboxKeys(e, id)).toHaveLength(N);

      const again = relayCli(['import', '--mailbox', id], cliEnv);
      const { code } = await again.exited;
      expect(code, again.err()).toBe(0);
      await everyMailOnce(e, id);
    },
  );

  it('a run killed mid-way is interrupted, with what it had done, once a relay opens the data directory', async () => {
    const { e, id, cliEnv } = await setUp();
    const crashed = relayCli(['import', '--mailbox', id], { ...cliEnv, RELAY_FAILPOINT: 'after-record' });
    expect((await crashed.exited).signal).toBe('SIGKILL');
    await e.t.restart();
    const list = await e.t.call(e.t.tokens.admin, 'GET', `/api/mailboxes/${id}/runs`);
    expect(list.body.map((r: { status: string }) => r.status)).toEqual(['interrupted']);
    const run = (await e.t.call(e.t.tokens.admin, 'GET', `/api/runs/${list.body[0].id}`)).body;
    expect(run.finishedAt).not.toBeNull();
    // Decided and recorded, not yet moved: the ledger knows every mail the run had done.
    expect(run.counts).toMatchObject({ seen: N, imported: N, notImported: 0, retrying: 0 });
    expect(run.mails.map((m: { messageId: string }) => m.messageId).sort()).toEqual(
      Array.from({ length: N }, (_, i) => `<crash-${i}@test>`).sort(),
    );
  });

  it('recognises delivered mails after a UIDVALIDITY change and only moves them', async () => {
    const { e, id, cliEnv } = await setUp();
    const crashed = relayCli(['import', '--mailbox', id], { ...cliEnv, RELAY_FAILPOINT: 'after-record' });
    expect((await crashed.exited).signal).toBe('SIGKILL');
    const before = outboxKeys(e, id).sort();
    await e.dovecot.bumpUidValidity('alice', 'INBOX');

    const again = relayCli(['import', '--mailbox', id], cliEnv);
    expect((await again.exited).code, again.err()).toBe(0);
    const run = JSON.parse(again.out());
    expect(run.mails.every((m: { detail: string | null }) => m.detail?.includes('earlier UID'))).toBe(true);
    expect(outboxKeys(e, id).sort()).toEqual(before);
    await everyMailOnce(e, id);
  });

  it('SIGTERM finishes the mails in hand, records and moves them, and stops', async () => {
    const { e, id, cliEnv } = await setUp();
    const run = relayCli(['import', '--mailbox', id], cliEnv);
    for (let i = 0; i < 400 && outboxKeys(e, id).length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    const result = JSON.parse(run.out());
    // Ended by the signal with mails left: `interrupted` with what it did, never "completed, seen 0".
    expect(code, run.err()).toBe(result.counts.imported < N ? 75 : 0);
    expect(result.status).toBe(result.counts.imported < N ? 'interrupted' : 'completed');
    const moved = await e.dovecot.messageCount('alice', 'Imported');
    expect(result.counts.imported).toBe(moved);
    // Whatever was delivered was also recorded and moved: no mail delivered and left in the source.
    expect(outboxKeys(e, id)).toHaveLength(moved);
    const rest = relayCli(['import', '--mailbox', id], cliEnv);
    expect((await rest.exited).code, rest.err()).toBe(0);
    await everyMailOnce(e, id);
  });
});

describe.each([
  ['without MOVE', ['MOVE']],
  ['without MOVE and UIDPLUS', ['MOVE', 'UIDPLUS']],
])('a server %s', (_name, without) => {
  it('still moves every mail exactly once', async () => {
    const { e, id, cliEnv } = await setUp({ capabilitiesWithout: without });
    const run = relayCli(['import', '--mailbox', id], cliEnv);
    expect((await run.exited).code, run.err()).toBe(0);
    expect(await e.dovecot.messageCount('alice', 'Imported')).toBe(N);
    expect(outboxKeys(e, id)).toHaveLength(N);
    // Without UIDPLUS the copies stay flagged \Deleted in the source (a bare EXPUNGE could remove
    // other clients' mails); the ledger skips them.
    const second = relayCli(['import', '--mailbox', id], cliEnv);
    expect((await second.exited).code).toBe(0);
    expect(JSON.parse(second.out()).counts.imported).toBe(0);
    expect(await e.dovecot.messageCount('alice', 'Imported')).toBe(N);
  });
});

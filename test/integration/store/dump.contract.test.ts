/**
 * Stores.dump and Stores.load (`export` / `import-data`, DESIGN §5): what one adapter dumps, the
 * other loads, and then holds the same. Every pair of adapters, both ways.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../relay/import/ledger-entry.js';
import { dumpCounts, StoreDump } from '../../../relay/store/dump.js';
import type { Stores } from '../../../relay/store/repository.js';
import { embedded, postgres, type Backend } from './backends.js';
import {
  alert,
  byId,
  consent,
  entry,
  expectRelayError,
  imapMailbox,
  microsoftMailbox,
  run,
  sealed,
} from './fixtures.js';

const HOUR_MS = 3_600_000;
const runId = (n: number) => `20261202T0700${String(n).padStart(2, '0')}-abcd`;
const byKey = (list: LedgerEntry[]) =>
  [...list].sort(
    (a, b) => a.folder.localeCompare(b.folder) || a.uidValidity.localeCompare(b.uidValidity) || a.uid - b.uid,
  );

/** A store with something of everything; returns what went in and the tokens themselves. */
async function fill(stores: Stores) {
  // Relative to the real clock: the embedded export applies the ledger's 30-day retention by it.
  const recent = (hoursAgo: number) => new Date(Date.now() - hoursAgo * HOUR_MS).toISOString();
  const a = imapMailbox({ description: 'Invoices A', secrets: { password: sealed('password-a') } });
  const b = imapMailbox({
    description: 'Invoices B',
    access: { role: 'Accounting' },
    secrets: { password: sealed('password-b') },
  });
  const ms = microsoftMailbox();
  for (const m of [a, b, ms]) await stores.mailboxes.insert(m);
  const consents = [consent('tenant-1'), consent('tenant-2', '2026-11-30T12:00:00.000Z')];
  for (const c of consents) await stores.consents.recordConsent(c);

  const anna = await stores.tokens.create('anna', ['admin']);
  const revoked = await stores.tokens.create('bob', ['Accounting']);
  await stores.tokens.revoke(revoked.id);

  const ledgerA = [
    entry({ uid: 1, at: recent(5), runId: runId(1) }),
    entry({
      uid: 2,
      at: recent(5),
      runId: runId(1),
      status: 'decided',
      outcome: 'not_imported',
      reason: 'too_large',
    }),
    entry({ uid: 3, at: recent(4), runId: runId(2), status: 'retrying', outcome: null, attempts: 2 }),
    entry({ uid: 9, at: recent(4), uidValidity: '1800000000', status: 'copying' }),
  ];
  const ledgerB = [entry({ uid: 1, at: recent(3), folder: 'Posteingang', runId: runId(3) })];
  for (const [id, entries] of [
    [a.id, ledgerA],
    [b.id, ledgerB],
  ] as const) {
    const ledger = await stores.ledger.open(id);
    await ledger.record(entries);
    await ledger.close();
  }

  const runs = [
    run({ id: runId(1), mailboxId: a.id }),
    run({ id: runId(2), mailboxId: a.id, status: 'failed', error: { kind: 'network', message: 'reset' } }),
    run({ id: runId(3), mailboxId: b.id, trigger: 'manual' }),
    run({ id: runId(4), mailboxId: b.id, status: 'running', finishedAt: null, mails: [] }),
  ];
  for (const r of runs) await stores.runs.save(r);
  const alerts = [
    alert({ id: 'alert-1', mailboxId: a.id, mailbox: a.description }),
    alert({ id: 'alert-2', kind: 'client_secret_expiring', status: 'resolved', resolvedAt: recent(1) }),
  ];
  for (const x of alerts) await stores.alerts.save(x);
  return {
    mailboxes: [a, b, ms],
    consents,
    tokens: { anna, revoked },
    ledger: { [a.id]: ledgerA, [b.id]: ledgerB },
    runs,
    alerts,
  };
}

/** A dump as it reads back from the export file. */
async function exported(stores: Stores): Promise<StoreDump> {
  return StoreDump.parse(JSON.parse(JSON.stringify(await stores.dump())));
}

/** A dump without what depends on the moment and order of writing. */
function normalised(d: StoreDump) {
  return {
    mailboxes: byId(d.mailboxes),
    consents: [...d.consents].sort((x, y) => x.tenant.localeCompare(y.tenant)),
    tokens: byId(d.tokens),
    ledger: Object.fromEntries(
      Object.entries(d.ledger)
        .filter(([, entries]) => entries.length > 0)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([id, entries]) => [id, byKey(entries)]),
    ),
    runs: byId(d.runs),
    alerts: byId(d.alerts),
  };
}

describe('dump and load', () => {
  const backends: Record<'embedded' | 'postgres', Backend> = {
    embedded: embedded.use(),
    postgres: postgres.use(),
  };
  const pairs = [
    ['embedded', 'postgres'],
    ['postgres', 'embedded'],
    ['embedded', 'embedded'],
    ['postgres', 'postgres'],
  ] as const;

  describe.each(pairs)('from %s into %s', (from, to) => {
    it('the target holds everything the source held', async () => {
      const source = await backends[from].open();
      const put = await fill(source);
      const dump = await exported(source);
      expect(dump).toMatchObject({ format: 'mailbox-connect-export', version: 1, from: source.kind });
      expect(dump.from).toBe(from === 'embedded' ? 'lowdb' : 'postgres');
      expect(dumpCounts(dump)).toEqual({
        mailboxes: 3,
        consents: 2,
        tokens: 2,
        ledgerEntries: 5,
        runs: 4,
        alerts: 2,
      });
      // The dump is the source's content: secrets sealed as stored, tokens as hashes.
      expect(byId(dump.mailboxes)).toEqual(byId(put.mailboxes));
      expect(byId(dump.runs)).toEqual(byId(put.runs));
      expect(byId(dump.alerts)).toEqual(byId(put.alerts));
      expect(normalised(dump).ledger).toEqual(normalised({ ...dump, ledger: put.ledger }).ledger);
      const text = JSON.stringify(dump);
      expect(text).not.toContain(put.tokens.anna.token);
      expect(dump.tokens.every((t) => /^[0-9a-f]{64}$/.test(t.hash))).toBe(true);

      const target = await backends[to].open();
      await target.load(dump);

      expect(await target.mailboxes.list()).toEqual(await source.mailboxes.list());
      for (const m of put.mailboxes) expect(await target.mailboxes.get(m.id)).toEqual(m);
      expect((await target.mailboxes.get(put.mailboxes[0]?.id ?? ''))?.secrets.password).toBe(
        sealed('password-a'),
      );
      const byTenant = (l: { tenant: string }[]) => [...l].sort((x, y) => x.tenant.localeCompare(y.tenant));
      expect(byTenant(await target.consents.listConsents())).toEqual(byTenant(put.consents));

      const { anna, revoked } = put.tokens;
      expect(await target.tokens.verify(anna.token)).toEqual({
        user: 'anna',
        roles: ['admin'],
        tokenId: anna.id,
      });
      expect(await target.tokens.verify(revoked.token)).toBeNull();
      expect(byId(await target.tokens.list())).toEqual(byId(await source.tokens.list()));

      for (const [id, entries] of Object.entries(put.ledger)) {
        const [was, now] = [await source.ledger.open(id), await target.ledger.open(id)];
        for (const e of entries) {
          const uids = entries
            .filter((x) => x.folder === e.folder && x.uidValidity === e.uidValidity)
            .map((x) => x.uid);
          expect(await now.lookup(e.folder, e.uidValidity, uids)).toEqual(
            await was.lookup(e.folder, e.uidValidity, uids),
          );
          expect(await now.lookup(e.folder, e.uidValidity, [e.uid])).toEqual(new Map([[e.uid, e]]));
          if (e.messageId && e.rawSha256 && e.status !== 'retrying')
            expect(await now.findSameMail(e.messageId, e.rawSha256)).toEqual(e);
        }
        const all = ['decided', 'copying', 'moved', 'retrying'] as const;
        expect(await now.entriesIn('INBOX', '1700000000', ...all)).toEqual(
          await was.entriesIn('INBOX', '1700000000', ...all),
        );
        for (const r of [runId(1), runId(2), runId(3)])
          expect(byKey(await now.writtenBy(r))).toEqual(byKey(await was.writtenBy(r)));
        await was.close();
        await now.close();
      }

      for (const m of put.mailboxes)
        expect(await target.runs.list(m.id)).toEqual(await source.runs.list(m.id));
      for (const r of put.runs) expect(await target.runs.get(r.id)).toEqual(r);
      expect(byId(await target.runs.leftRunning())).toEqual(byId(await source.runs.leftRunning()));
      expect(byId(await target.alerts.all())).toEqual(byId(put.alerts));

      // And its own export holds the same again.
      const back = await exported(target);
      expect(back.from).toBe(target.kind);
      expect(normalised(back)).toEqual(normalised(dump));
    });
  });

  describe.each(['embedded', 'postgres'] as const)('load into the %s store', (to) => {
    it('refuses (conflict) a store holding mailboxes or API tokens, and changes nothing', async () => {
      const source = await backends.embedded.open();
      await fill(source);
      const dump = await exported(source);

      const withMailbox = await backends[to].open();
      const own = imapMailbox({ description: 'Already here' });
      await withMailbox.mailboxes.insert(own);
      await expectRelayError(withMailbox.load(dump), 'conflict');
      expect(await withMailbox.mailboxes.list()).toEqual([own]);
      expect(await withMailbox.tokens.list()).toEqual([]);
      expect(await withMailbox.alerts.all()).toEqual([]);
      expect(await withMailbox.consents.listConsents()).toEqual([]);
      for (const m of dump.mailboxes) expect(await withMailbox.runs.list(m.id)).toEqual([]);

      const withToken = await backends[to].open();
      const token = await withToken.tokens.create('carol', []);
      await expectRelayError(withToken.load(dump), 'conflict');
      expect(await withToken.mailboxes.list()).toEqual([]);
      expect((await withToken.tokens.list()).map((t) => t.id)).toEqual([token.id]);
      expect(await withToken.runs.leftRunning()).toEqual([]);
      const ledger = await withToken.ledger.open(dump.mailboxes[0]?.id ?? '');
      expect(
        await ledger.entriesIn('INBOX', '1700000000', 'moved', 'decided', 'retrying', 'copying'),
      ).toEqual([]);
      await ledger.close();

      // Consents, alerts and runs alone do not count as holding something: the load goes through.
      const withAlert = await backends[to].open();
      await withAlert.alerts.save(alert({ id: 'alert-own', key: 'own' }));
      await withAlert.load(dump);
      expect(await withAlert.mailboxes.list()).toHaveLength(3);
    });
  });
});

/** LedgerRepository, RunRepository and AlertRepository: one contract, both adapters. */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../relay/import/ledger-entry.js';
import { BACKENDS } from './backends.js';
import { alert, byId, entry, run } from './fixtures.js';

const DAY_MS = 86_400_000;
const byUid = (list: LedgerEntry[]) => [...list].sort((a, b) => a.uid - b.uid);
const runId = (n: number) => `20261202T0700${String(n).padStart(2, '0')}-abcd`;

describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s store', (_name, kind) => {
  const backend = kind.use();

  describe('ledger', () => {
    it('looks up the recorded entries of one folder generation by UID', async () => {
      const stores = await backend.open();
      const ledger = await stores.ledger.open('mb-1');
      const e1 = entry({ uid: 1 });
      const e2 = entry({ uid: 2, status: 'decided', outcome: 'not_imported', reason: 'no_documents' });
      const e3 = entry({ uid: 3, messageId: null, rawSha256: null, documents: [] });
      const otherGeneration = entry({ uid: 2, uidValidity: '1800000000' });
      const otherFolder = entry({ uid: 2, folder: 'INBOX/Sub' });
      await ledger.record([e1, e2, e3, otherGeneration, otherFolder]);

      const found = await ledger.lookup('INBOX', '1700000000', [3, 2, 4, 1]);
      expect(found).toEqual(
        new Map([
          [3, e3],
          [2, e2],
          [1, e1],
        ]),
      );
      expect([...found.keys()].sort()).toEqual([1, 2, 3]);
      expect(await ledger.lookup('INBOX', '1700000000', [])).toEqual(new Map());
      expect(await ledger.lookup('INBOX', '1800000000', [1, 2, 3])).toEqual(new Map([[2, otherGeneration]]));
      expect(await ledger.lookup('INBOX/Sub', '1700000000', [1, 2])).toEqual(new Map([[2, otherFolder]]));
      expect(await ledger.lookup('Archive', '1700000000', [1, 2, 3])).toEqual(new Map());
      await ledger.close();
    });

    it('keeps every field of an entry as recorded, also across a reopen', async () => {
      const place = await backend.place();
      const first = await place.open();
      const full = entry({
        uid: 4_294_967_295, // the largest IMAP UID
        folder: 'Posteingang/Rechnungen "2026"',
        status: 'copying',
        outcome: 'imported',
        target: { path: 'Archiv/Importiert', uidValidity: '42', uidNext: 1001 },
        documents: ['a.pdf', 'b.xml'],
        attempts: 3,
        nextAttemptAt: '2026-12-02T07:30:00.000Z',
        at: '2026-12-02T07:00:00.123Z',
      });
      const minimal = entry({ uid: 5, size: undefined, runId: undefined });
      delete minimal.size;
      delete minimal.runId;
      const ledger = await first.ledger.open('mb-1');
      await ledger.record([full, minimal]);
      expect(await ledger.lookup(full.folder, full.uidValidity, [full.uid])).toEqual(
        new Map([[full.uid, full]]),
      );
      await ledger.close();
      await backend.close(first);

      const again = await (await place.open()).ledger.open('mb-1', { now: new Date('2026-12-02T08:00:00Z') });
      const [back] = (await again.lookup(full.folder, full.uidValidity, [full.uid])).values();
      expect(back).toEqual(full);
      const [plain] = (await again.lookup('INBOX', minimal.uidValidity, [5])).values();
      expect(plain).toEqual(minimal);
      expect(plain).not.toHaveProperty('runId');
      await again.close();
    });

    it('lists entries in the given states, oldest UID first', async () => {
      const stores = await backend.open();
      const ledger = await stores.ledger.open('mb-1');
      const retrying = (uid: number) =>
        entry({
          uid,
          status: 'retrying',
          outcome: null,
          attempts: 2,
          nextAttemptAt: '2026-12-02T07:10:00.000Z',
        });
      const decided = (uid: number) => entry({ uid, status: 'decided' });
      await ledger.record([retrying(9), decided(5), entry({ uid: 7 }), retrying(3)]);
      await ledger.record([decided(1), entry({ uid: 2, status: 'copying' })]);
      await ledger.record([retrying(4), entry({ uid: 4, folder: 'Other', status: 'retrying' })]);
      await ledger.record([entry({ uid: 6, uidValidity: '1800000000', status: 'retrying' })]);

      const uids = async (...status: LedgerEntry['status'][]) =>
        (await ledger.entriesIn('INBOX', '1700000000', ...status)).map((e) => e.uid);
      expect(await uids('retrying')).toEqual([3, 4, 9]);
      expect(await uids('decided', 'copying')).toEqual([1, 2, 5]);
      expect(await uids('retrying', 'decided')).toEqual([1, 3, 4, 5, 9]);
      expect(await uids('moved')).toEqual([7]);
      expect(await uids()).toEqual([]);
      expect(await ledger.entriesIn('INBOX', '1700000000', 'retrying')).toEqual([
        retrying(3),
        retrying(4),
        retrying(9),
      ]);
      await ledger.close();
    });

    it('the last record for a key wins, also after close and reopen', async () => {
      const place = await backend.place();
      const stores = await place.open();
      const ledger = await stores.ledger.open('mb-1');
      const first = entry({ uid: 1, status: 'retrying', outcome: null, attempts: 1 });
      const second = entry({ uid: 1, status: 'retrying', outcome: null, attempts: 2 });
      const decided = entry({ uid: 1, status: 'decided', attempts: 3, runId: runId(2) });
      const moved = entry({
        uid: 1,
        status: 'moved',
        attempts: 3,
        runId: runId(2),
        at: '2026-12-02T07:00:10.000Z',
      });
      await ledger.record([first]);
      await ledger.record([second, decided]);
      expect((await ledger.lookup('INBOX', '1700000000', [1])).get(1)).toEqual(decided);
      await ledger.record([moved]);
      expect((await ledger.lookup('INBOX', '1700000000', [1])).get(1)).toEqual(moved);
      expect(await ledger.entriesIn('INBOX', '1700000000', 'retrying', 'decided')).toEqual([]);
      await ledger.close();
      await backend.close(stores);

      const reopened = await (
        await place.open()
      ).ledger.open('mb-1', { now: new Date('2026-12-02T08:00:00Z') });
      expect(await reopened.lookup('INBOX', '1700000000', [1])).toEqual(new Map([[1, moved]]));
      expect(await reopened.entriesIn('INBOX', '1700000000', 'moved', 'retrying', 'decided')).toEqual([
        moved,
      ]);
      await reopened.close();
    });

    it('writtenBy lists the entries a run wrote, as they stand now', async () => {
      const stores = await backend.open();
      const ledger = await stores.ledger.open('mb-1');
      const a = runId(1);
      const b = runId(2);
      await ledger.record([
        entry({ uid: 3, runId: a }),
        entry({ uid: 1, runId: a, status: 'retrying', outcome: null }),
        entry({ uid: 2, runId: a }),
      ]);
      const taken = entry({ uid: 1, runId: b, status: 'decided' });
      await ledger.record([taken, entry({ uid: 4, runId: b, folder: 'Other' })]);
      expect(byUid(await ledger.writtenBy(a))).toEqual([
        entry({ uid: 2, runId: a }),
        entry({ uid: 3, runId: a }),
      ]);
      expect(byUid(await ledger.writtenBy(b))).toEqual([taken, entry({ uid: 4, runId: b, folder: 'Other' })]);
      expect(await ledger.writtenBy(runId(3))).toEqual([]);
      await ledger.close();
    });

    it('findSameMail finds a decided or moved entry by Message-ID and hash, never a retrying one', async () => {
      const stores = await backend.open();
      const ledger = await stores.ledger.open('mb-1');
      const moved = entry({ uid: 1, messageId: '<m1@x>', rawSha256: 'h1' });
      const decided = entry({ uid: 2, messageId: '<m2@x>', rawSha256: 'h2', status: 'decided' });
      const retrying = entry({
        uid: 3,
        messageId: '<m3@x>',
        rawSha256: 'h3',
        status: 'retrying',
        outcome: null,
      });
      const noId = entry({ uid: 4, messageId: null, rawSha256: 'h4' });
      await ledger.record([moved, decided, retrying, noId]);

      expect(await ledger.findSameMail('<m1@x>', 'h1')).toEqual(moved);
      expect(await ledger.findSameMail('<m2@x>', 'h2')).toEqual(decided);
      expect(await ledger.findSameMail('<m3@x>', 'h3'), 'a retrying entry decided nothing').toBeUndefined();
      expect(await ledger.findSameMail(null, 'h4'), 'no Message-ID, no match').toBeUndefined();
      expect(await ledger.findSameMail('<m1@x>', 'h2'), 'both must match').toBeUndefined();
      expect(await ledger.findSameMail('<m2@x>', 'h1'), 'both must match').toBeUndefined();
      expect(await ledger.findSameMail('<unknown@x>', 'h1')).toBeUndefined();

      // The retrying mail, once decided under a new UID (UIDVALIDITY changed), is found.
      const again = {
        ...retrying,
        uidValidity: '1800000000',
        status: 'decided' as const,
        outcome: 'imported' as const,
      };
      await ledger.record([again]);
      expect(await ledger.findSameMail('<m3@x>', 'h3')).toEqual(again);
      await ledger.close();
    });

    it('findSameMail answers from the entries as they stand: a retry of a decided key, a pruned twin', async () => {
      const place = await backend.place();
      const stores = await place.open();
      const now = new Date('2026-12-02T07:00:00.000Z');
      const ago = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
      const ledger = await stores.ledger.open('mb-1', { now });
      // The same key decided, then retried: a retrying entry decided nothing, also after reopening.
      await ledger.record([
        entry({ uid: 1, messageId: '<r@x>', rawSha256: 'r', status: 'decided', at: ago(1) }),
      ]);
      await ledger.record([
        entry({ uid: 1, messageId: '<r@x>', rawSha256: 'r', status: 'retrying', outcome: null, at: ago(0) }),
      ]);
      expect(await ledger.findSameMail('<r@x>', 'r')).toBeUndefined();
      // The same mail under two UIDs: the newer one moved long ago, the older one decided and kept.
      const kept = entry({ uid: 2, messageId: '<t@x>', rawSha256: 't', status: 'decided', at: ago(40) });
      await ledger.record([kept, entry({ uid: 3, messageId: '<t@x>', rawSha256: 't', at: ago(35) })]);
      await ledger.close();
      const reopened = await (await place.open()).ledger.open('mb-1', { now });
      expect(await reopened.findSameMail('<r@x>', 'r')).toBeUndefined();
      expect(await reopened.findSameMail('<t@x>', 't'), 'the kept twin still matches').toEqual(kept);
      await reopened.close();
    });

    it('drops moved entries older than retentionDays when opened; decided and retrying ones stay', async () => {
      const place = await backend.place();
      const stores = await place.open();
      const now = new Date('2026-12-02T07:00:00.000Z');
      const ago = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
      const oldMoved = entry({ uid: 1, at: ago(31), messageId: '<old@x>', rawSha256: 'old' });
      const oldDecided = entry({ uid: 2, at: ago(40), status: 'decided' });
      const oldRetrying = entry({ uid: 3, at: ago(40), status: 'retrying', outcome: null });
      const oldCopying = entry({ uid: 4, at: ago(40), status: 'copying' });
      const recentMoved = entry({ uid: 5, at: ago(29) });
      const weekOld = entry({ uid: 6, at: ago(8) });
      const writing = await stores.ledger.open('mb-1', { now });
      await writing.record([oldMoved, oldDecided, oldRetrying, oldCopying, recentMoved, weekOld]);
      await writing.close();
      await backend.close(stores);

      const reopened = await place.open();
      const ledger = await reopened.ledger.open('mb-1', { now });
      const all = await ledger.lookup('INBOX', '1700000000', [1, 2, 3, 4, 5, 6]);
      expect([...all.keys()].sort()).toEqual([2, 3, 4, 5, 6]);
      expect(await ledger.findSameMail('<old@x>', 'old'), 'a dropped entry matches nothing').toBeUndefined();
      expect(await ledger.entriesIn('INBOX', '1700000000', 'decided', 'retrying', 'copying')).toEqual([
        oldDecided,
        oldRetrying,
        oldCopying,
      ]);
      await ledger.close();

      // A shorter retention, a week later: only the decided and retrying ones are left.
      const later = await reopened.ledger.open('mb-1', {
        now: new Date(now.getTime() + 7 * DAY_MS),
        retentionDays: 7,
      });
      expect([...(await later.lookup('INBOX', '1700000000', [1, 2, 3, 4, 5, 6])).keys()].sort()).toEqual([
        2, 3, 4,
      ]);
      await later.close();
    });

    it('two mailboxes do not see each other; removeMailbox empties one of them', async () => {
      const stores = await backend.open();
      const one = await stores.ledger.open('mb-1');
      const two = await stores.ledger.open('mb-2');
      const e1 = entry({ uid: 1, runId: runId(1), status: 'decided' });
      const e2 = entry({
        uid: 1,
        runId: runId(1),
        documents: ['other.pdf'],
        messageId: '<two@x>',
        rawSha256: 'two',
      });
      await one.record([e1, entry({ uid: 2, messageId: '<one@x>', rawSha256: 'one' })]);
      await two.record([e2]);
      expect(await one.lookup('INBOX', '1700000000', [1])).toEqual(new Map([[1, e1]]));
      expect(await two.lookup('INBOX', '1700000000', [1, 2])).toEqual(new Map([[1, e2]]));
      expect(await one.writtenBy(runId(1))).toEqual([e1]);
      expect(await two.findSameMail('<one@x>', 'one')).toBeUndefined();
      expect(await one.findSameMail('<two@x>', 'two')).toBeUndefined();
      expect(await two.entriesIn('INBOX', '1700000000', 'decided')).toEqual([]);
      await one.close();
      await two.close();

      await stores.ledger.removeMailbox('mb-1');
      const gone = await stores.ledger.open('mb-1');
      expect(await gone.lookup('INBOX', '1700000000', [1, 2])).toEqual(new Map());
      expect(await gone.entriesIn('INBOX', '1700000000', 'decided', 'moved', 'retrying', 'copying')).toEqual(
        [],
      );
      expect(await gone.writtenBy(runId(1))).toEqual([]);
      expect(await gone.findSameMail('<one@x>', 'one')).toBeUndefined();
      await gone.close();
      const kept = await stores.ledger.open('mb-2');
      expect(await kept.lookup('INBOX', '1700000000', [1])).toEqual(new Map([[1, e2]]));
      await kept.close();
      await stores.ledger.removeMailbox('mb-never-opened');
    });
  });

  describe('runs', () => {
    it('a run saved running and then completed under the same id reads back as the latest', async () => {
      const stores = await backend.open();
      const started = run({
        id: runId(1),
        mailboxId: 'mb-1',
        status: 'running',
        finishedAt: null,
        counts: { seen: 0, imported: 0, notImported: 0, retrying: 0, skipped: 0 },
        mails: [],
      });
      await stores.runs.save(started);
      expect(await stores.runs.get(runId(1))).toEqual(started);
      const done = run({ id: runId(1), mailboxId: 'mb-1' });
      await stores.runs.save(done);
      expect(await stores.runs.get(runId(1))).toEqual(done);
      const { mails: _mails, ...summary } = done;
      expect(await stores.runs.list('mb-1')).toEqual([summary]);
      expect(await stores.runs.get('20261202T065959-none')).toBeUndefined();
    });

    it('lists a mailbox runs newest first, without their mails', async () => {
      const stores = await backend.open();
      const runs = [3, 1, 2].map((n) =>
        run({
          id: runId(n),
          mailboxId: 'mb-1',
          startedAt: `2026-12-02T07:00:${String(n).padStart(2, '0')}.000Z`,
          status: n === 2 ? 'failed' : 'completed',
          error: n === 2 ? { kind: 'auth', message: 'LOGIN refused' } : null,
        }),
      );
      for (const r of runs) await stores.runs.save(r);
      await stores.runs.save(run({ id: runId(4), mailboxId: 'mb-2' }));
      const list = await stores.runs.list('mb-1');
      expect(list.map((r) => r.id)).toEqual([runId(3), runId(2), runId(1)]);
      for (const r of list) expect(r).not.toHaveProperty('mails');
      const { mails: _mails, ...failed } = runs[2] ?? run({ id: '', mailboxId: '' });
      expect(list[1]).toEqual(failed);
      expect(await stores.runs.list('mb-none')).toEqual([]);
    });

    it('keeps only the newest 50 runs per mailbox', async () => {
      const stores = await backend.open();
      for (let n = 0; n < 55; n++) await stores.runs.save(run({ id: runId(n), mailboxId: 'mb-1' }));
      const list = await stores.runs.list('mb-1');
      expect(list.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => runId(54 - i)));
      for (let n = 0; n < 5; n++) expect(await stores.runs.get(runId(n)), `run ${n}`).toBeUndefined();
      expect(await stores.runs.get(runId(5))).toEqual(run({ id: runId(5), mailboxId: 'mb-1' }));
    });

    it('keeps each mailbox its own 50', async () => {
      const stores = await backend.open();
      const id = (mb: string, n: number) => `${runId(n)}-${mb}`;
      for (let n = 0; n < 52; n++) {
        await stores.runs.save(run({ id: id('a', n), mailboxId: 'mb-a' }));
        if (n < 10) await stores.runs.save(run({ id: id('b', n), mailboxId: 'mb-b' }));
      }
      expect((await stores.runs.list('mb-a')).map((r) => r.id)).toEqual(
        Array.from({ length: 50 }, (_, i) => id('a', 51 - i)),
      );
      expect(await stores.runs.list('mb-b')).toHaveLength(10);
    });

    it('leftRunning lists the runs stored running, not the finished ones', async () => {
      const place = await backend.place();
      const stores = await place.open();
      const finished = run({ id: runId(1), mailboxId: 'mb-1' });
      const endedLater = run({ id: runId(2), mailboxId: 'mb-1', status: 'running', finishedAt: null });
      const open1 = run({ id: runId(3), mailboxId: 'mb-1', status: 'running', finishedAt: null });
      const open2 = run({ id: runId(4), mailboxId: 'mb-2', status: 'running', finishedAt: null, mails: [] });
      for (const r of [finished, endedLater, open1, open2]) await stores.runs.save(r);
      await stores.runs.save({
        ...endedLater,
        status: 'interrupted',
        finishedAt: '2026-12-02T07:01:00.000Z',
      });
      await backend.close(stores);

      // As a relay starting after one died finds them.
      const reopened = await place.open();
      expect(byId(await reopened.runs.leftRunning())).toEqual([open1, open2]);
      await reopened.runs.save({ ...open1, status: 'interrupted', finishedAt: '2026-12-02T07:05:00.000Z' });
      expect(await reopened.runs.leftRunning()).toEqual([open2]);
    });

    it('removeMailbox drops that mailbox runs only', async () => {
      const stores = await backend.open();
      await stores.runs.save(run({ id: runId(1), mailboxId: 'mb-1' }));
      await stores.runs.save(run({ id: runId(2), mailboxId: 'mb-1', status: 'running', finishedAt: null }));
      const other = run({ id: runId(3), mailboxId: 'mb-2' });
      await stores.runs.save(other);
      await stores.runs.removeMailbox('mb-1');
      expect(await stores.runs.list('mb-1')).toEqual([]);
      expect(await stores.runs.get(runId(1))).toBeUndefined();
      expect(await stores.runs.get(runId(2))).toBeUndefined();
      expect(await stores.runs.leftRunning()).toEqual([]);
      expect(await stores.runs.get(runId(3))).toEqual(other);
      expect(await stores.runs.list('mb-2')).toHaveLength(1);
      await stores.runs.removeMailbox('mb-none');
    });

    it('keeps runs across a reopen', async () => {
      const place = await backend.place();
      const first = await place.open();
      const r = run({ id: runId(1), mailboxId: 'mb-1' });
      await first.runs.save(r);
      await backend.close(first);
      const again = await place.open();
      expect(await again.runs.get(r.id)).toEqual(r);
      expect(await again.runs.list('mb-1')).toHaveLength(1);
    });
  });

  describe('alerts', () => {
    it('returns what was saved; saving the same id again replaces it', async () => {
      const place = await backend.place();
      const stores = await place.open();
      expect(await stores.alerts.all()).toEqual([]);
      const a = alert({ id: 'a1', mailboxId: 'mb-1', mailbox: 'Invoices' });
      const b = alert({
        id: 'b1',
        kind: 'token_expiring',
        severity: 'warning',
        action: 'reconnect',
        due: '2026-12-10T00:00:00.000Z',
        notified: [],
      });
      await stores.alerts.save(a);
      await stores.alerts.save(b);
      expect(byId(await stores.alerts.all())).toEqual([a, b]);

      const resolved = { ...a, status: 'resolved' as const, resolvedAt: new Date().toISOString() };
      resolved.notified = [...a.notified, 'webhook:resolved'];
      await stores.alerts.save(resolved);
      expect(byId(await stores.alerts.all())).toEqual([resolved, b]);
      await backend.close(stores);

      const again = await place.open();
      expect(byId(await again.alerts.all())).toEqual([resolved, b]);
    });
  });
});

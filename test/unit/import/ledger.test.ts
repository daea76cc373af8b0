import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../relay/import/ledger-entry.js';
import { Ledger } from '../../../relay/import/ledger.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (uid: number, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  folder: 'INBOX',
  uidValidity: '7',
  uid,
  messageId: `<m${uid}@test>`,
  rawSha256: `hash${uid}`,
  documents: [],
  status: 'decided',
  outcome: 'imported',
  reason: null,
  attempts: 0,
  nextAttemptAt: null,
  at: new Date().toISOString(),
  ...over,
});

it('the last line for a key wins, across reopening', async () => {
  const a = Ledger.open(dir, 'mb');
  await a.record([entry(1), entry(2)]);
  await a.record([entry(1, { status: 'moved' })]);
  await a.close();
  const b = Ledger.open(dir, 'mb');
  expect(b.get('INBOX', '7', 1)?.status).toBe('moved');
  expect(b.get('INBOX', '7', 2)?.status).toBe('decided');
  expect(b.get('INBOX', '8', 1)).toBeUndefined();
  expect((await b.findSameMail('<m2@test>', 'hash2'))?.uid).toBe(2);
});

it('a torn last line from a crash costs nothing that was appended after it', async () => {
  const a = Ledger.open(dir, 'mb');
  await a.record([entry(1)]);
  await a.close();
  appendFileSync(join(dir, 'mb.jsonl'), '{"folder":"INB');
  const b = Ledger.open(dir, 'mb');
  await b.record([entry(2), entry(3)]);
  await b.close();
  const c = Ledger.open(dir, 'mb');
  expect([1, 2, 3].map((uid) => c.get('INBOX', '7', uid)?.uid)).toEqual([1, 2, 3]);
  expect(readFileSync(join(dir, 'mb.jsonl'), 'utf8').endsWith('\n')).toBe(true);
});

it('forgets moved mails after the retention window, never undecided ones', async () => {
  const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
  const a = Ledger.open(dir, 'mb');
  await a.record([
    entry(1, { status: 'moved', at: old }),
    entry(2, { status: 'retrying', outcome: null, at: old }),
  ]);
  await a.close();
  const b = Ledger.open(dir, 'mb', 30);
  expect(b.get('INBOX', '7', 1)).toBeUndefined();
  expect(b.get('INBOX', '7', 2)?.status).toBe('retrying');
});

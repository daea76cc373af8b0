/** An open IMAP session against a real Dovecot 2.3: folders, UIDs, summaries, raw mails, failures. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxDriver } from '../../../relay/mail/driver.js';
import { createImapDriver } from '../../../relay/mail/imap/driver.js';
import { startDovecot, type Dovecot } from '../../helpers/dovecot.js';
import { allow, failure, mail, readAll, target, withSession } from './imap-kit.js';

describe('IMAP session against Dovecot', () => {
  let d: Dovecot;
  let driver: MailboxDriver;

  beforeAll(async () => {
    d = await startDovecot();
    for (const folder of ['Rechnungen/Eingang-Ü', 'R&D', 'Roundtrip']) await d.createFolder('alice', folder);
    driver = createImapDriver({ allow, tls: { ca: d.caCertPem } });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('opens a folder, or says folder_missing', async () => {
    await withSession(driver, target(d), async (s) => {
      const box = await s.openFolder('R&D');
      expect(box).toMatchObject({ path: 'R&D', exists: 0 });
      expect(typeof box.uidValidity).toBe('bigint');
      expect(box.uidNext).toBeGreaterThan(0);
      const err = await failure(s.openFolder('Does/Not/Exist'));
      expect(err.kind).toBe('folder_missing');
      expect(err.message).toBe('The folder "Does/Not/Exist" does not exist on the mail server.');
      expect(await s.folderExists('Rechnungen/Eingang-Ü')).toBe(true);
      expect(await s.folderExists('inbox')).toBe(true);
      expect(await s.folderExists('Nope')).toBe(false);
    });
  });

  it('summarizes, fetches and downloads appended mails byte for byte', async () => {
    const big = mail(4, `\r\n${'x'.repeat(76)}\r\n`.repeat(40_000)); // about 3 MB: several 1 MB chunks
    const raws = [mail(1), mail(2), mail(3), big];
    await d.appendMessages('alice', 'Roundtrip', raws);
    await withSession(driver, target(d), async (s) => {
      const box = await s.openFolder('Roundtrip');
      expect(box.exists).toBe(4);
      const uids = await s.listUids();
      expect(uids).toEqual([...uids].sort((a, b) => a - b));
      expect(uids).toHaveLength(4);

      const summaries = await s.summarize([...uids].reverse());
      expect(summaries.map((m) => m.uid)).toEqual(uids);
      expect(summaries[0]).toEqual({
        uid: uids[0],
        size: Buffer.byteLength(raws[0] as string),
        messageId: '<invoice-1@example.com>',
        subject: 'Rechnung 1',
        from: 'Rechnungsstelle Müller <rechnung@example.com>',
        date: '2025-03-04T09:15:00.000Z',
      });

      const fetched = new Map<number, Buffer>();
      for await (const { uid, source } of s.fetchRaw(uids.slice(0, 3))) fetched.set(uid, source);
      expect([...fetched.keys()]).toEqual(uids.slice(0, 3));
      uids.slice(0, 3).forEach((uid, i) => expect(fetched.get(uid)?.toString()).toBe(raws[i]));

      const downloaded = await readAll(await s.downloadRaw(uids[3] as number));
      const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
      expect(downloaded.length).toBe(Buffer.byteLength(big));
      expect(sha(downloaded)).toBe(sha(big));

      expect((await failure(s.downloadRaw(999_999))).kind).toBe('not_found');
    });
  });

  it('refuses other commands while a fetchRaw loop is running, instead of deadlocking', async () => {
    await withSession(driver, target(d), async (s) => {
      await s.openFolder('Roundtrip');
      const uids = await s.listUids();
      let seen = 0;
      for await (const _mail of s.fetchRaw(uids)) {
        seen++;
        const err = await failure(s.listUids());
        expect(err.kind).toBe('internal');
        break;
      }
      expect(seen).toBe(1);
      // Breaking out of the loop ends the FETCH; the session works again.
      expect(await s.listUids()).toEqual(uids);
    });
  });

  it('reports a connection the server dropped as network', async () => {
    await withSession(driver, target(d), async (s) => {
      await s.openFolder('INBOX');
      await d.doveadm(['kick', 'alice']);
      const err = await failure(s.listUids());
      expect(err.kind).toBe('network');
      expect(err.retryable).toBe(true);
    });
  });

  it('close never throws, also twice', async () => {
    const s = await driver.open(target(d));
    await s.close();
    await expect(s.close()).resolves.toBeUndefined();
  });
});

/**
 * Moving mails against real Dovecot 2.3 servers: with UID MOVE (RFC 6851), and with the capability list
 * cut down to force COPY + STORE + UID EXPUNGE (RFC 4315) or, without UIDPLUS, COPY + STORE only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxDriver } from '../../../relay/mail/driver.js';
import { createImapDriver } from '../../../relay/mail/imap/driver.js';
import { startDovecot, type Dovecot } from '../../helpers/dovecot.js';
import { allow, failure, mail, target, withSession } from './imap-kit.js';

describe('move with MOVE', () => {
  let d: Dovecot;
  let driver: MailboxDriver;

  beforeAll(async () => {
    d = await startDovecot();
    for (const folder of ['MoveSrc', 'MoveDst', 'Many', 'ManyDst']) await d.createFolder('alice', folder);
    driver = createImapDriver({ allow, tls: { ca: d.caCertPem } });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('moves with UID MOVE, and leaves the source untouched when the target is missing', async () => {
    await d.appendMessages('alice', 'MoveSrc', [mail(10), mail(11), mail(12)]);
    await withSession(driver, target(d), async (s) => {
      expect(s.capabilities.has('MOVE')).toBe(true);
      await s.openFolder('MoveSrc');
      const uids = await s.listUids();
      const err = await failure(s.move(uids, 'Gone'));
      expect(err.kind).toBe('folder_missing');
      expect(await d.messageCount('alice', 'MoveSrc')).toBe(3);
      await expect(s.move(uids.slice(0, 2), 'MoveDst')).resolves.toEqual({ sourceCleared: true });
      expect(await s.listUids()).toEqual(uids.slice(2));
    });
    expect(await d.messageCount('alice', 'MoveDst')).toBe(2);
    expect(await d.messageCount('alice', 'MoveSrc')).toBe(1);
  });

  it('moves thousands of scattered UIDs past the 16 KB set limit', async () => {
    // Every other one of 8,000 mails: 4,000 UIDs that no range compresses, about 20 KB as a UID set.
    await d.appendMessages(
      'alice',
      'Many',
      Array.from({ length: 8000 }, (_, i) => `Subject: ${i}\r\n\r\n${i}\r\n`),
    );
    const all = await d.listUids('alice', 'Many');
    const picked = all.filter((_, i) => i % 2 === 0);
    await withSession(driver, target(d), async (s) => {
      await s.openFolder('Many');
      await expect(s.move(picked, 'ManyDst')).resolves.toEqual({ sourceCleared: true });
      expect(await s.listUids()).toEqual(all.filter((_, i) => i % 2 === 1));
    });
    expect(await d.messageCount('alice', 'ManyDst')).toBe(4000);
  });
});

/** A second server whose post-login CAPABILITY hides `without`. */
function moveFallbackSuite(without: string[], expectCleared: boolean) {
  describe(`move without ${without.join(' and ')}`, () => {
    let d: Dovecot;
    let driver: MailboxDriver;

    beforeAll(async () => {
      d = await startDovecot({ capabilitiesWithout: without });
      for (const folder of ['Src', 'Dst']) await d.createFolder('alice', folder);
      driver = createImapDriver({ allow, tls: { ca: d.caCertPem } });
    });
    afterAll(async () => {
      await d?.stop();
    });

    it('copies to the target and never expunges a mail it did not move', async () => {
      await d.appendMessages('alice', 'Src', [mail(20), mail(21), mail(22), mail(23)]);
      const before = await d.listUids('alice', 'Src');
      // Someone else's mail, flagged \Deleted but not expunged: a bare EXPUNGE would remove it.
      const bystander = before[3] as number;
      await d.doveadm([
        'flags',
        'add',
        '-u',
        'alice',
        '\\Deleted',
        'mailbox',
        'Src',
        'uid',
        String(bystander),
      ]);

      await withSession(driver, target(d), async (s) => {
        for (const cap of without) expect(s.capabilities.has(cap)).toBe(false);
        await s.openFolder('Src');
        expect((await failure(s.move(before.slice(0, 3), 'Gone'))).kind).toBe('folder_missing');
        expect(await d.messageCount('alice', 'Src')).toBe(4);
        await expect(s.move(before.slice(0, 3), 'Dst')).resolves.toEqual({ sourceCleared: expectCleared });
      });

      expect(await d.messageCount('alice', 'Dst')).toBe(3);
      const after = await d.listUids('alice', 'Src');
      // With UIDPLUS exactly the moved UIDs are gone; without it they stay, flagged \Deleted.
      expect(after).toEqual(expectCleared ? [bystander] : before);
      const deleted = await d.doveadm(['search', '-u', 'alice', 'mailbox', 'Src', 'deleted']);
      expect(deleted.trim().split('\n')).toHaveLength(expectCleared ? 1 : 4);
    });
  });
}

moveFallbackSuite(['MOVE'], true);
moveFallbackSuite(['MOVE', 'UIDPLUS'], false);

/** MailboxRepository, ConsentRepository and TokenRepository: one contract, both adapters. */
import { describe, expect, it } from 'vitest';
import { StoredMailbox } from '../../../relay/store/records.js';
import { BACKENDS } from './backends.js';
import { consent, expectRelayError, imapMailbox, microsoftMailbox } from './fixtures.js';

describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s store', (_name, kind) => {
  const backend = kind.use();

  describe('mailboxes', () => {
    it('lists and gets what was inserted, unchanged, in insertion order', async () => {
      const stores = await backend.open();
      const a = imapMailbox();
      const b = microsoftMailbox();
      await stores.mailboxes.insert(a);
      await stores.mailboxes.insert(b);
      expect(await stores.mailboxes.get(a.id)).toEqual(a);
      expect(await stores.mailboxes.get(b.id)).toEqual(b);
      expect(await stores.mailboxes.list()).toEqual([a, b]);
      for (const m of await stores.mailboxes.list()) expect(StoredMailbox.parse(m)).toEqual(m);
    });

    it('gets nothing for an unknown id, and starts empty', async () => {
      const stores = await backend.open();
      expect(await stores.mailboxes.list()).toEqual([]);
      expect(await stores.mailboxes.get('no-such-mailbox')).toBeUndefined();
      await stores.mailboxes.insert(imapMailbox());
      expect(await stores.mailboxes.get('no-such-mailbox')).toBeUndefined();
    });

    it('keeps mailboxes across a reopen', async () => {
      const place = await backend.place();
      const first = await place.open();
      const a = imapMailbox();
      await first.mailboxes.insert(a);
      await backend.close(first);
      const again = await place.open();
      expect(await again.mailboxes.list()).toEqual([a]);
    });

    it('update applies the change, stores it and returns it; undefined for a missing id', async () => {
      const stores = await backend.open();
      const a = imapMailbox();
      const b = imapMailbox({ description: 'Other' });
      await stores.mailboxes.insert(a);
      await stores.mailboxes.insert(b);
      let seen: StoredMailbox | undefined;
      const updated = await stores.mailboxes.update(a.id, (m) => {
        seen = m;
        return {
          ...m,
          description: 'Renamed',
          state: { ...m.state, status: 'auth_failed', paused: true },
          updatedAt: '2026-12-02T07:10:00.000Z',
        };
      });
      expect(seen, 'the change sees the stored record').toEqual(a);
      const expected = {
        ...a,
        description: 'Renamed',
        state: { ...a.state, status: 'auth_failed', paused: true },
        updatedAt: '2026-12-02T07:10:00.000Z',
      };
      expect(updated).toEqual(expected);
      expect(await stores.mailboxes.get(a.id)).toEqual(expected);
      expect(await stores.mailboxes.get(b.id), 'the other mailbox is untouched').toEqual(b);

      let called = false;
      const missing = await stores.mailboxes.update('no-such-mailbox', (m) => {
        called = true;
        return m;
      });
      expect(missing).toBeUndefined();
      expect(called).toBe(false);
      expect(await stores.mailboxes.list()).toEqual([expected, b]);
    });

    it('remove deletes only that mailbox and says whether it was there', async () => {
      const stores = await backend.open();
      const a = imapMailbox();
      const b = imapMailbox();
      await stores.mailboxes.insert(a);
      await stores.mailboxes.insert(b);
      expect(await stores.mailboxes.remove(a.id)).toBe(true);
      expect(await stores.mailboxes.get(a.id)).toBeUndefined();
      expect(await stores.mailboxes.list()).toEqual([b]);
      expect(await stores.mailboxes.remove(a.id)).toBe(false);
      expect(await stores.mailboxes.remove('no-such-mailbox')).toBe(false);
      expect(await stores.mailboxes.list()).toEqual([b]);
    });

    it('concurrent updates of one mailbox lose none of each other', async () => {
      const stores = await backend.open();
      const a = imapMailbox({ description: 'n' });
      await stores.mailboxes.insert(a);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          stores.mailboxes.update(a.id, (m) => ({
            ...m,
            description: `${m.description}x`,
            state: { ...m.state, failedRuns: m.state.failedRuns + 1 },
          })),
        ),
      );
      const stored = await stores.mailboxes.get(a.id);
      expect(stored?.state.failedRuns).toBe(20);
      expect(stored?.description).toBe(`n${'x'.repeat(20)}`);
      // Each update saw the one before it: their results are 1 … 20, each once.
      expect(results.map((r) => r?.state.failedRuns).sort((x = 0, y = 0) => x - y)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    // Embedded: one relay per data directory (data-dir-lock.ts), so one open store is all there is.
    it.runIf(kind.name === 'postgres')(
      'concurrent updates through two relays lose none of each other',
      async () => {
        const place = await backend.place();
        const one = await place.open();
        const two = await place.open();
        const a = imapMailbox();
        await one.mailboxes.insert(a);
        const bump = (m: StoredMailbox) => ({
          ...m,
          state: { ...m.state, failedRuns: m.state.failedRuns + 1 },
        });
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).mailboxes.update(a.id, bump)),
        );
        expect((await one.mailboxes.get(a.id))?.state.failedRuns).toBe(20);
      },
    );

    it('hands out copies: changing a returned or inserted object changes nothing stored', async () => {
      const stores = await backend.open();
      const a = imapMailbox();
      const original = structuredClone(a);
      await stores.mailboxes.insert(a);
      a.description = 'changed after insert';
      a.state.failedRuns = 99;

      const got = await stores.mailboxes.get(original.id);
      if (!got) throw new Error('inserted mailbox missing');
      got.description = 'changed after get';
      got.folders.source = 'Elsewhere';
      const [listed] = await stores.mailboxes.list();
      if (!listed) throw new Error('inserted mailbox not listed');
      listed.state.status = 'error';
      listed.secrets.password = 'changed';

      const updated = await stores.mailboxes.update(original.id, (m) => ({ ...m, company: 'New' }));
      if (!updated) throw new Error('update found nothing');
      updated.company = 'changed after update';
      updated.state.paused = true;

      expect(await stores.mailboxes.get(original.id)).toEqual({ ...original, company: 'New' });
      expect(await stores.mailboxes.list()).toEqual([{ ...original, company: 'New' }]);
    });
  });

  describe('consents', () => {
    it('lists recorded consents; recording a tenant again replaces its consent', async () => {
      const stores = await backend.open();
      expect(await stores.consents.listConsents()).toEqual([]);
      const t1 = consent('tenant-1', '2026-11-01T09:00:00.000Z');
      const t2 = consent('tenant-2', '2026-11-02T09:00:00.000Z');
      await stores.consents.recordConsent(t1);
      await stores.consents.recordConsent(t2);
      const byTenant = (l: { tenant: string }[]) => [...l].sort((x, y) => x.tenant.localeCompare(y.tenant));
      expect(byTenant(await stores.consents.listConsents())).toEqual([t1, t2]);

      const renewed = { tenant: 'tenant-1', consentedAt: '2026-12-02T07:00:00.000Z', consentedBy: 'carol' };
      await stores.consents.recordConsent(renewed);
      expect(byTenant(await stores.consents.listConsents())).toEqual([renewed, t2]);
    });
  });

  describe('tokens', () => {
    it('creates an mc_ token that verifies as its user and roles', async () => {
      const stores = await backend.open();
      const anna = await stores.tokens.create('anna', ['admin', 'metrics']);
      const bob = await stores.tokens.create('bob', []);
      expect(anna.token).toMatch(/^mc_[A-Za-z0-9_-]{20,}$/);
      expect(anna.id).not.toBe(bob.id);
      expect(anna.token).not.toBe(bob.token);
      expect(await stores.tokens.verify(anna.token)).toEqual({
        user: 'anna',
        roles: ['admin', 'metrics'],
        tokenId: anna.id,
      });
      expect(await stores.tokens.verify(bob.token)).toEqual({ user: 'bob', roles: [], tokenId: bob.id });
      expect(await stores.tokens.verify('mc_unknown')).toBeNull();
      expect(await stores.tokens.verify(`${anna.token}x`)).toBeNull();
      expect(await stores.tokens.verify('')).toBeNull();
    });

    it('lists tokens without their hash and never the token itself', async () => {
      const stores = await backend.open();
      expect(await stores.tokens.list()).toEqual([]);
      const anna = await stores.tokens.create('anna', ['admin']);
      const bob = await stores.tokens.create('bob', ['Accounting']);
      const list = await stores.tokens.list();
      const sorted = [...list].sort((x, y) => x.user.localeCompare(y.user));
      expect(sorted).toEqual([
        { id: anna.id, user: 'anna', roles: ['admin'], createdAt: expect.any(String), revokedAt: null },
        { id: bob.id, user: 'bob', roles: ['Accounting'], createdAt: expect.any(String), revokedAt: null },
      ]);
      for (const t of list) {
        expect(t).not.toHaveProperty('hash');
        expect(Number.isNaN(Date.parse(t.createdAt))).toBe(false);
      }
      const text = JSON.stringify(list);
      expect(text).not.toContain(anna.token);
      expect(text).not.toContain(bob.token);
      expect(text).not.toContain(anna.token.slice(3));
    });

    it('revokes by id and by an unambiguous prefix; a revoked token verifies as nobody', async () => {
      const stores = await backend.open();
      const a = await stores.tokens.create('anna', []);
      const b = await stores.tokens.create('bob', []);
      const c = await stores.tokens.create('carol', []);
      await stores.tokens.revoke(a.id);
      expect(await stores.tokens.verify(a.token)).toBeNull();
      expect(await stores.tokens.verify(b.token)).not.toBeNull();

      // The shortest prefix of b's id that no other id starts with.
      const others = [a.id, c.id];
      let n = 1;
      while (others.some((id) => id.startsWith(b.id.slice(0, n)))) n++;
      await stores.tokens.revoke(b.id.slice(0, n));
      expect(await stores.tokens.verify(b.token)).toBeNull();
      expect(await stores.tokens.verify(c.token)).toEqual({ user: 'carol', roles: [], tokenId: c.id });

      const list = await stores.tokens.list();
      const revoked = Object.fromEntries(list.map((t) => [t.id, t.revokedAt]));
      expect(typeof revoked[a.id]).toBe('string');
      expect(typeof revoked[b.id]).toBe('string');
      expect(revoked[c.id]).toBeNull();
      expect(list).toHaveLength(3);

      // Revoking again is harmless and keeps it revoked.
      await stores.tokens.revoke(a.id);
      expect(await stores.tokens.verify(a.token)).toBeNull();
    });

    it('refuses an ambiguous prefix (conflict) and an unknown id (not_found), revoking nothing', async () => {
      const stores = await backend.open();
      // 17 random UUIDs: by pigeonhole two of them begin with the same hex digit.
      const made = await Promise.all(Array.from({ length: 17 }, (_, i) => stores.tokens.create(`u${i}`, [])));
      const first = new Map<string, number>();
      for (const t of made) first.set(t.id[0] ?? '', (first.get(t.id[0] ?? '') ?? 0) + 1);
      const shared = [...first].find(([, count]) => count > 1)?.[0];
      if (!shared) throw new Error('pigeonhole failed');

      await expectRelayError(stores.tokens.revoke(shared), 'conflict');
      await expectRelayError(stores.tokens.revoke('zzzz-no-such-token'), 'not_found');
      await expectRelayError(stores.tokens.revoke(`${made[0]?.id}0`), 'not_found');
      for (const t of made) expect(await stores.tokens.verify(t.token)).not.toBeNull();
      expect((await stores.tokens.list()).every((t) => t.revokedAt === null)).toBe(true);
    });

    it('a token created or revoked through one open store holds at once in a second one (another relay)', async () => {
      const place = await backend.place();
      const one = await place.open();
      const two = await place.open();
      const t = await one.tokens.create('anna', ['admin']);
      const other = await one.tokens.create('bob', []);
      expect(await two.tokens.verify(t.token)).toEqual({ user: 'anna', roles: ['admin'], tokenId: t.id });
      await one.tokens.revoke(t.id);
      expect(await two.tokens.verify(t.token)).toBeNull();
      expect(await two.tokens.verify(other.token)).not.toBeNull();
      expect((await two.tokens.list()).find((x) => x.id === t.id)?.revokedAt).toEqual(expect.any(String));
      // And the other way round.
      await two.tokens.revoke(other.id);
      expect(await one.tokens.verify(other.token)).toBeNull();
    });

    it('keeps tokens and revocations across a reopen', async () => {
      const place = await backend.place();
      const first = await place.open();
      const kept = await first.tokens.create('anna', ['admin']);
      const gone = await first.tokens.create('bob', []);
      await first.tokens.revoke(gone.id);
      await backend.close(first);
      const again = await place.open();
      expect(await again.tokens.verify(kept.token)).toEqual({
        user: 'anna',
        roles: ['admin'],
        tokenId: kept.id,
      });
      expect(await again.tokens.verify(gone.token)).toBeNull();
    });
  });
});

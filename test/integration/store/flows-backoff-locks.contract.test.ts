/** PendingFlowRepository, BackoffRepository and MailboxLocks: one contract, both adapters. */
import { describe, expect, it } from 'vitest';
import { PENDING_FLOW_TTL_MS, type PendingFlow } from '../../../relay/oauth/pending-flow.js';
import type { HeldLock } from '../../../relay/store/repository.js';
import { BACKENDS, testClock } from './backends.js';
import { expectRelayError } from './fixtures.js';

const flow = (over: Partial<Omit<PendingFlow, 'expiresAt'>> = {}): Omit<PendingFlow, 'expiresAt'> => ({
  kind: 'connect',
  provider: 'microsoft',
  tokenId: 'token-1',
  redirectUri: 'http://127.0.0.1:8787/api/oauth/callback',
  codeVerifier: 'v'.repeat(43),
  ...over,
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s store', (_name, kind) => {
  const backend = kind.use();

  describe('pending sign-ins', () => {
    it('a state is taken once, with the flow it was created for', async () => {
      const clock = testClock();
      const stores = await backend.open({ now: clock.now });
      const started = flow({ mailboxId: 'mb-1' });
      const state = await stores.flows.create(started);
      const other = await stores.flows.create(flow({ kind: 'consent', provider: 'google' }));
      expect(state).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(other).not.toBe(state);
      clock.advance(60_000);
      expect(await stores.flows.take(state, 'token-1', 'connect')).toEqual({
        ...started,
        expiresAt: Date.parse('2026-12-02T07:00:00.000Z') + PENDING_FLOW_TTL_MS,
      });
      await expectRelayError(stores.flows.take(state, 'token-1', 'connect'), 'validation', 'state');
      expect(await stores.flows.take(other, 'token-1', 'consent')).toMatchObject({ provider: 'google' });
      await expectRelayError(stores.flows.take('never-created', 'token-1', 'connect'), 'validation', 'state');
    });

    it('a take by another API token or for another kind fails and spends the state', async () => {
      const stores = await backend.open();
      const stolen = await stores.flows.create(flow());
      await expectRelayError(stores.flows.take(stolen, 'token-2', 'connect'), 'validation', 'state');
      await expectRelayError(stores.flows.take(stolen, 'token-1', 'connect'), 'validation', 'state');

      const wrongKind = await stores.flows.create(flow());
      await expectRelayError(stores.flows.take(wrongKind, 'token-1', 'consent'), 'validation', 'state');
      await expectRelayError(stores.flows.take(wrongKind, 'token-1', 'connect'), 'validation', 'state');
    });

    it('a state expires 10 minutes after it was created', async () => {
      const clock = testClock();
      const stores = await backend.open({ now: clock.now });
      const inTime = await stores.flows.create(flow());
      const late = await stores.flows.create(flow());
      clock.advance(PENDING_FLOW_TTL_MS - 1_000);
      expect(await stores.flows.take(inTime, 'token-1', 'connect')).toMatchObject({ tokenId: 'token-1' });
      clock.advance(2_000);
      await expectRelayError(stores.flows.take(late, 'token-1', 'connect'), 'validation', 'state');
    });

    // Documented difference (open-embedded.ts): the embedded store keeps pending sign-ins in memory,
    // one relay's; PostgreSQL shares them, so a sign-in started on one relay completes on any, once.
    it(
      kind.name === 'postgres'
        ? 'a state created through one relay is taken through another, once'
        : 'a state lives in the memory of the store that created it only',
      async () => {
        const place = await backend.place();
        const one = await place.open();
        const two = await place.open();
        const state = await one.flows.create(flow());
        if (kind.name === 'postgres') {
          expect(await two.flows.take(state, 'token-1', 'connect')).toMatchObject(flow());
          await expectRelayError(one.flows.take(state, 'token-1', 'connect'), 'validation', 'state');
        } else {
          await expectRelayError(two.flows.take(state, 'token-1', 'connect'), 'validation', 'state');
          expect(await one.flows.take(state, 'token-1', 'connect')).toMatchObject(flow());
        }
      },
    );
  });

  describe('backoff', () => {
    it('get returns what was set, per mailbox, until cleared', async () => {
      const stores = await backend.open();
      expect(await stores.backoff.get('mb-1')).toBeUndefined();
      const until = Date.parse('2026-12-02T07:20:00.123Z');
      await stores.backoff.set('mb-1', { count: 1, until });
      await stores.backoff.set('mb-2', { count: 4, until: until + 3_600_000 });
      expect(await stores.backoff.get('mb-1')).toEqual({ count: 1, until });
      await stores.backoff.set('mb-1', { count: 2, until: until + 600_000 });
      expect(await stores.backoff.get('mb-1')).toEqual({ count: 2, until: until + 600_000 });
      const got = await stores.backoff.get('mb-1');
      if (got) got.count = 99;
      expect(await stores.backoff.get('mb-1')).toEqual({ count: 2, until: until + 600_000 });
      await stores.backoff.clear('mb-1');
      expect(await stores.backoff.get('mb-1')).toBeUndefined();
      expect(await stores.backoff.get('mb-2')).toEqual({ count: 4, until: until + 3_600_000 });
      await stores.backoff.clear('mb-never-set');
    });
  });

  describe('run locks', () => {
    it('one holder per mailbox; free again after release', async () => {
      const stores = await backend.open();
      const held = await stores.locks.tryLock('mb-1');
      expect(held).not.toBeNull();
      expect(held?.lost).toBe(false);
      expect(await stores.locks.tryLock('mb-1')).toBeNull();
      const other = await stores.locks.tryLock('mb-2');
      expect(other, 'another mailbox is free').not.toBeNull();
      await held?.release();
      await held?.release(); // a second release is harmless
      const again = await stores.locks.tryLock('mb-1');
      expect(again).not.toBeNull();
      expect(await stores.locks.tryLock('mb-2')).toBeNull();
      await again?.release();
      await other?.release();
    });

    it('parallel tries for one mailbox: exactly one wins', async () => {
      const stores = await backend.open();
      const tries = await Promise.all(Array.from({ length: 5 }, () => stores.locks.tryLock('mb-1')));
      expect(tries.filter((l) => l !== null)).toHaveLength(1);
      await Promise.all(tries.map((l) => l?.release()));
    });

    // The embedded store's data directory belongs to one relay (data-dir-lock.ts): there is no other.
    describe.runIf(kind.name === 'postgres')('across relays', () => {
      /** Tries until the lock is free: the server frees a dead session's locks when its backend exits. */
      async function eventuallyLock(take: () => Promise<HeldLock | null>): Promise<HeldLock> {
        let got: HeldLock | null = null;
        await expect.poll(async () => (got ??= await take()) !== null, { timeout: 10_000 }).toBe(true);
        return got as unknown as HeldLock;
      }

      it('a lock held through one relay is refused through another until released', async () => {
        const place = await backend.place();
        const one = await place.open();
        const two = await place.open();
        const held = await one.locks.tryLock('mb-1');
        expect(held).not.toBeNull();
        expect(await two.locks.tryLock('mb-1')).toBeNull();
        const elsewhere = await two.locks.tryLock('mb-2');
        expect(elsewhere).not.toBeNull();
        expect(await one.locks.tryLock('mb-2')).toBeNull();
        await held?.release();
        const taken = await two.locks.tryLock('mb-1');
        expect(taken).not.toBeNull();
        expect(await one.locks.tryLock('mb-1')).toBeNull();
        await taken?.release();
        await elsewhere?.release();
      });

      it('closing a relay frees its locks', async () => {
        const place = await backend.place();
        const one = await place.open();
        const two = await place.open();
        expect(await one.locks.tryLock('mb-1')).not.toBeNull();
        expect(await two.locks.tryLock('mb-1')).toBeNull();
        await backend.close(one);
        const taken = await eventuallyLock(() => two.locks.tryLock('mb-1'));
        await taken.release();
      });

      it('a lock whose connection dies is lost, and the mailbox is free for another relay', async () => {
        const place = await backend.place();
        const one = await place.open();
        const two = await place.open();
        const held = await one.locks.tryLock('mb-1');
        if (!held) throw new Error('no lock');
        expect(await two.locks.tryLock('mb-1')).toBeNull();

        // The one session of this database holding an advisory lock: the lock's own connection.
        const sessions = await place.sql(
          `SELECT DISTINCT pid FROM pg_locks
           WHERE locktype = 'advisory' AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        expect(sessions).toHaveLength(1);
        expect(held.lost).toBe(false);
        await place.sql('SELECT pg_terminate_backend($1::int)', [Number(sessions[0]?.pid)]);

        await expect.poll(() => held.lost, { timeout: 10_000 }).toBe(true);
        const taken = await eventuallyLock(() => two.locks.tryLock('mb-1'));
        expect(await one.locks.tryLock('mb-1'), 'the new holder holds').toBeNull();
        // The relay whose lock died goes on working.
        expect(await one.mailboxes.list()).toEqual([]);
        await held.release(); // releasing a lost lock is harmless
        await taken.release();
        expect(await one.locks.tryLock('mb-1')).not.toBeNull();
      });
    });
  });
});

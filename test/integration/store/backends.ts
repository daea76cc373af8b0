/**
 * The two store adapters behind one face, for the contract tests (relay/store/repository.ts): every
 * test body runs against both. A `Place` is one empty store location (a data directory, a database)
 * that may be opened more than once, as relays sharing it do.
 *
 * `use()` registers its hooks in the describe block that calls it: PostgreSQL starts one cluster per
 * describe (per file), every test gets a database of its own, and whatever a test opened is closed
 * after it. Without PostgreSQL installed the PostgreSQL half fails (startPostgres throws); it never
 * skips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openEmbeddedStores } from '../../../relay/store/open-embedded.js';
import type { Stores } from '../../../relay/store/repository.js';
import { psql, startPostgres, type Postgres, type Row } from '../../helpers/postgres.js';

export type BackendName = 'embedded' | 'postgres';

export interface OpenOptions {
  /** The store's clock (pending sign-ins expire by it). */
  now?: () => number;
}

export interface Place {
  /** The data directory, or the database's url. */
  location: string;
  /** Opens the store there; another call is another relay on the same store. */
  open(opts?: OpenOptions): Promise<Stores>;
  /** PostgreSQL only: runs SQL in this place's database, beside the adapter. */
  sql(text: string, params?: (string | number | null)[]): Promise<Row[]>;
}

export interface Backend {
  name: BackendName;
  /** A new, empty store location. */
  place(): Promise<Place>;
  /** A store opened on a new place. */
  open(opts?: OpenOptions): Promise<Stores>;
  /** Closes a store this backend opened (again after the test is a no-op). */
  close(stores: Stores): Promise<void>;
}

export interface BackendKind {
  name: BackendName;
  /** Call inside a describe block: registers the hooks, returns the backend for its tests. */
  use(): Backend;
}

/** Keeps what a test opened, to close it after the test, once. */
function tracker() {
  const open = new Set<Stores>();
  return {
    add(stores: Stores): Stores {
      open.add(stores);
      return stores;
    },
    async close(stores: Stores) {
      if (!open.delete(stores)) return;
      await stores.close();
    },
    async closeAll() {
      const all = [...open].reverse();
      open.clear();
      const results = await Promise.allSettled(all.map((s) => s.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

export const embedded: BackendKind = {
  name: 'embedded',
  use() {
    const stores = tracker();
    const dirs: string[] = [];
    afterEach(async () => {
      try {
        await stores.closeAll();
      } finally {
        for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
      }
    });
    const place = async (): Promise<Place> => {
      const dir = mkdtempSync(path.join(tmpdir(), 'store-contract-'));
      dirs.push(dir);
      return {
        location: dir,
        open: async (opts = {}) => stores.add(await openEmbeddedStores(dir, opts)),
        sql: () => Promise.reject(new Error('the embedded store has no SQL')),
      };
    };
    return {
      name: 'embedded',
      place,
      open: async (opts) => (await place()).open(opts),
      close: (s) => stores.close(s),
    };
  },
};

let databases = 0;

export const postgres: BackendKind = {
  name: 'postgres',
  use() {
    const stores = tracker();
    let pg: Postgres | undefined;
    beforeAll(async () => {
      pg = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      await pg?.stop();
    });
    afterEach(() => stores.closeAll());
    const place = async (): Promise<Place> => {
      if (!pg) throw new Error('PostgreSQL did not start (see the beforeAll hook)');
      const url = await pg.createDatabase(`t${++databases}`);
      const { migrate } = await import('../../../relay/store/postgres/migrate.js');
      await migrate(url);
      const { openPostgresStores } = await import('../../../relay/store/postgres/open-postgres.js');
      return {
        location: url,
        open: async (opts = {}) => stores.add(await openPostgresStores(url, opts)),
        sql: (text, params) => psql(url, text, params),
      };
    };
    return {
      name: 'postgres',
      place,
      open: async (opts) => (await place()).open(opts),
      close: (s) => stores.close(s),
    };
  },
};

export const BACKENDS: BackendKind[] = [embedded, postgres];

/** A clock the test moves. */
export function testClock(start = '2026-12-02T07:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

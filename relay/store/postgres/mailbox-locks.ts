import pg from 'pg';
import type { HeldLock, MailboxLocks } from '../repository.js';
import { mailboxLockKey } from './advisory-key.js';
import { rethrow } from './pg-errors.js';
import { clientConfig } from './pool.js';

/**
 * How soon the server notices a relay that vanished without closing its connection (a lost
 * machine, a cut network) and frees its locks: keepalive probes after 30 s idle, 3 of them 10 s
 * apart. Without them the server's OS default is about two hours (tcp_keepalives_idle, PostgreSQL
 * manual §20.3.1); they are ignored on a Unix socket, where a dead peer is seen at once.
 */
const SERVER_KEEPALIVE =
  "SELECT set_config('tcp_keepalives_idle', '30', false), " +
  "set_config('tcp_keepalives_interval', '10', false), set_config('tcp_keepalives_count', '3', false)";

/** Connections kept for the next lock: a run's connect and backend start cost about as much as its lock. */
const IDLE_KEPT = 8;

/**
 * Run locks as session-level advisory locks, each on a connection of its own while held: the lock
 * lives exactly as long as its connection, so a relay killed mid-run frees its mailboxes (DESIGN
 * §5). A connection goes back to the idle list only after its lock was released (the unlock
 * answered), so it never carries a lock into another run; one that broke is never reused.
 */
export class PgMailboxLocks implements MailboxLocks {
  private readonly held = new Set<pg.Client>();
  private readonly idle: pg.Client[] = [];
  private readonly broken = new WeakSet<pg.Client>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly target: string,
  ) {}

  private async connection(): Promise<pg.Client> {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (!this.broken.has(c)) return c;
    const client = new pg.Client({
      ...clientConfig(this.url),
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
    });
    const lose = () => this.broken.add(client);
    client.on('error', lose);
    client.on('end', lose);
    try {
      await client.connect();
      await client.query(SERVER_KEEPALIVE);
    } catch (e) {
      await client.end().catch(() => {});
      rethrow(e, this.target);
    }
    return client;
  }

  private putBack(client: pg.Client) {
    if (!this.closed && !this.broken.has(client) && this.idle.length < IDLE_KEPT) this.idle.push(client);
    else void client.end().catch(() => {});
  }

  async tryLock(mailboxId: string): Promise<HeldLock | null> {
    const key = mailboxLockKey(mailboxId);
    const client = await this.connection();
    try {
      const { rows } = await client.query<{ granted: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS granted',
        [key],
      );
      if (!rows[0]?.granted) {
        this.putBack(client);
        return null;
      }
    } catch (e) {
      this.broken.add(client);
      await client.end().catch(() => {});
      rethrow(e, this.target);
    }
    this.held.add(client);
    const broken = this.broken;
    let released = false;
    return {
      get lost() {
        return broken.has(client);
      },
      release: async () => {
        if (released) return;
        released = true;
        this.held.delete(client);
        const unlocked = broken.has(client)
          ? false
          : await client
              .query<{ done: boolean }>('SELECT pg_advisory_unlock($1::bigint) AS done', [key])
              .then((r) => r.rows[0]?.done === true)
              .catch(() => false);
        if (unlocked) this.putBack(client);
        else {
          broken.add(client);
          await client.end().catch(() => {});
        }
      },
    };
  }

  /** Ends every lock's connection, which frees the locks on the server. */
  async close(): Promise<void> {
    this.closed = true;
    const clients = [...this.held, ...this.idle.splice(0)];
    this.held.clear();
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

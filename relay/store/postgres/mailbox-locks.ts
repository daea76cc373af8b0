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

/**
 * Run locks as session-level advisory locks, each on a connection of its own: the lock lives exactly
 * as long as its connection, so a relay killed mid-run frees its mailboxes (DESIGN §5), and a pooled
 * connection can never carry a lock into someone else's hands.
 */
export class PgMailboxLocks implements MailboxLocks {
  private readonly held = new Set<pg.Client>();

  constructor(
    private readonly url: string,
    private readonly target: string,
  ) {}

  async tryLock(mailboxId: string): Promise<HeldLock | null> {
    const key = mailboxLockKey(mailboxId);
    const client = new pg.Client({
      ...clientConfig(this.url),
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
    });
    let lost = false;
    const lose = () => {
      lost = true;
    };
    client.on('error', lose);
    client.on('end', lose);
    try {
      await client.connect();
      await client.query(SERVER_KEEPALIVE);
      const { rows } = await client.query<{ granted: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS granted',
        [key],
      );
      if (!rows[0]?.granted) {
        await client.end().catch(() => {});
        return null;
      }
    } catch (e) {
      await client.end().catch(() => {});
      rethrow(e, this.target);
    }
    this.held.add(client);
    let released = false;
    return {
      get lost() {
        return lost;
      },
      release: async () => {
        if (released) return;
        released = true;
        this.held.delete(client);
        if (!lost) await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
        await client.end().catch(() => {});
      },
    };
  }

  /** Ends every lock's connection, which frees the locks on the server. */
  async close(): Promise<void> {
    const clients = [...this.held];
    this.held.clear();
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { RelayError } from '../../errors.js';
import type { StoredToken } from '../records.js';
import type { Caller, TokenRepository } from '../repository.js';
import { type Db, query, withTransaction } from './pool.js';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface TokenRow {
  id: string;
  user_name: string;
  roles: string[];
  hash: string;
  created_at: string;
  revoked_at: string | null;
}

const COLUMNS = 'id, user_name, roles, hash, created_at, revoked_at';

const toToken = (r: TokenRow): StoredToken => ({
  id: r.id,
  user: r.user_name,
  roles: r.roles,
  hash: r.hash,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

/** API tokens as their SHA-256: a revocation on one relay holds on every relay at its next request. */
export class PgTokenRepository implements TokenRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  async verify(token: string): Promise<Caller | null> {
    const { rows } = await query<TokenRow>(
      this.pool,
      `SELECT ${COLUMNS} FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`,
      [hashToken(token)],
    );
    const t = rows[0];
    return t ? { user: t.user_name, roles: t.roles, tokenId: t.id } : null;
  }

  async list(): Promise<Omit<StoredToken, 'hash'>[]> {
    return (await this.all()).map(({ hash: _hash, ...rest }) => rest);
  }

  async all(): Promise<StoredToken[]> {
    return allTokens(this.pool);
  }

  async create(user: string, roles: string[]): Promise<{ id: string; token: string }> {
    const token = `mc_${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    await insertToken(this.pool, {
      id,
      user,
      roles,
      hash: hashToken(token),
      createdAt: new Date(this.now()).toISOString(),
      revokedAt: null,
    });
    return { id, token };
  }

  async revoke(id: string): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        'SELECT id FROM api_tokens WHERE starts_with(id, $1) FOR UPDATE',
        [id],
      );
      const t = rows.find((x) => x.id === id) ?? (rows.length === 1 ? rows[0] : undefined);
      if (rows.length > 1 && !t)
        throw new RelayError('conflict', `${id} matches ${rows.length} tokens; give more of the id.`);
      if (!t) throw new RelayError('not_found', `No token with id ${id}.`);
      // A second revocation keeps the first one's time.
      await client.query('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1', [
        t.id,
        new Date(this.now()).toISOString(),
      ]);
    });
  }
}

/** Every token with its hash, in the order they were created (also for `export`). */
export async function allTokens(db: Db): Promise<StoredToken[]> {
  const { rows } = await query<TokenRow>(db, `SELECT ${COLUMNS} FROM api_tokens ORDER BY seq`);
  return rows.map(toToken);
}

export async function insertToken(db: Db, t: StoredToken): Promise<void> {
  await query(
    db,
    `INSERT INTO api_tokens (id, user_name, roles, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [t.id, t.user, t.roles, t.hash, t.createdAt, t.revokedAt],
  );
}

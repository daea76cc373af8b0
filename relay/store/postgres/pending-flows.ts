import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { RelayError } from '../../errors.js';
import { PENDING_FLOW_TTL_MS, type PendingFlow } from '../../oauth/pending-flow.js';
import type { PendingFlowRepository } from '../repository.js';
import { query } from './pool.js';

/** The table holds the state's hash: what it holds completes no sign-in by itself. */
const stateHash = (state: string) => createHash('sha256').update(state).digest('hex');

/**
 * OAuth `state` values (RFC 6749 §10.12) shared by every relay: a sign-in started on one completes
 * on any, once. A take deletes the row whatever it finds (wrong token or kind, expired), so a state
 * seen by the wrong caller is spent, as in memory.
 */
export class PgPendingFlows implements PendingFlowRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  async create(flow: Omit<PendingFlow, 'expiresAt'>): Promise<string> {
    const now = this.now();
    await query(this.pool, 'DELETE FROM oauth_states WHERE expires_at < $1', [new Date(now).toISOString()]);
    const state = randomBytes(24).toString('base64url');
    const stored: PendingFlow = { ...flow, expiresAt: now + PENDING_FLOW_TTL_MS };
    await query(this.pool, 'INSERT INTO oauth_states (state_sha256, flow, expires_at) VALUES ($1, $2, $3)', [
      stateHash(state),
      JSON.stringify(stored),
      new Date(stored.expiresAt).toISOString(),
    ]);
    return state;
  }

  async take(state: string, tokenId: string, kind: PendingFlow['kind']): Promise<PendingFlow> {
    // DELETE … RETURNING: of two relays taking the same state at once, one gets the row.
    const { rows } = await query<{ flow: PendingFlow }>(
      this.pool,
      'DELETE FROM oauth_states WHERE state_sha256 = $1 RETURNING flow',
      [stateHash(state)],
    );
    const flow = rows[0]?.flow;
    if (!flow || flow.expiresAt < this.now() || flow.tokenId !== tokenId || flow.kind !== kind)
      throw new RelayError(
        'validation',
        'state is unknown, expired or already used: start the sign-in again',
        {
          field: 'state',
        },
      );
    return flow;
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { RelayError } from '../errors.js';
import type { PendingFlowRepository } from '../store/repository.js';
import { PENDING_FLOW_TTL_MS, type PendingFlow } from './pending-flow.js';

/** PKCE (RFC 7636 §4.1–4.2): a 43-character verifier and its S256 challenge. */
export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * OAuth `state` values (RFC 6749 §10.12): random, single use, valid 10 minutes, and bound to the API
 * token that started the flow, so a redirect URL stolen from one user completes nothing for another.
 */
export class MemoryPendingFlows implements PendingFlowRepository {
  private readonly flows = new Map<string, PendingFlow>();

  constructor(private readonly now: () => number = Date.now) {}

  async create(flow: Omit<PendingFlow, 'expiresAt'>) {
    for (const [k, f] of this.flows) if (f.expiresAt < this.now()) this.flows.delete(k);
    const state = randomBytes(24).toString('base64url');
    this.flows.set(state, { ...flow, expiresAt: this.now() + PENDING_FLOW_TTL_MS });
    return state;
  }

  async take(state: string, tokenId: string, kind: PendingFlow['kind']) {
    const flow = this.flows.get(state);
    this.flows.delete(state);
    if (!flow || flow.expiresAt < this.now() || flow.tokenId !== tokenId || flow.kind !== kind)
      throw new RelayError(
        'validation',
        'state is unknown, expired or already used: start the sign-in again',
        { field: 'state' },
      );
    return flow;
  }
}

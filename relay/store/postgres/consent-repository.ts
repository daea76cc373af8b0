import type pg from 'pg';
import type { StoredConsent } from '../records.js';
import type { ConsentRepository } from '../repository.js';
import { type Db, query } from './pool.js';

/** Tenant-wide admin consents; a tenant consented again is listed last, as in db.json. */
export class PgConsentRepository implements ConsentRepository {
  constructor(private readonly pool: pg.Pool) {}

  async listConsents() {
    const { rows } = await query<{ consent: StoredConsent }>(
      this.pool,
      'SELECT consent FROM consents ORDER BY seq',
    );
    return rows.map((r) => r.consent);
  }

  async recordConsent(consent: StoredConsent) {
    await upsertConsent(this.pool, consent);
  }
}

export async function upsertConsent(db: Db, c: StoredConsent): Promise<void> {
  const text = `INSERT INTO consents (tenant, consented_at, consented_by, consent) VALUES ($1, $2, $3, $4)
    ON CONFLICT (tenant) DO UPDATE SET consented_at = EXCLUDED.consented_at,
      consented_by = EXCLUDED.consented_by, consent = EXCLUDED.consent, seq = EXCLUDED.seq`;
  await query(db, text, [c.tenant, c.consentedAt, c.consentedBy, JSON.stringify(c)]);
}

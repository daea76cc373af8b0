import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Alert } from '../../shared/alert.js';
import { writeFileAtomic } from '../store/data-dir.js';

/** Open and recent alerts; one adapter per store (issue 10 adds PostgreSQL beside this file). */
export interface AlertRepository {
  all(): Promise<Alert[]>;
  save(alert: Alert): Promise<void>;
}

const KEEP_RESOLVED_MS = 30 * 86_400_000;
const MAX_KEPT = 1000;
const AlertFile = z.object({ version: z.literal(1), alerts: z.array(Alert) });

/**
 * `alerts.json` in the data directory, rewritten whole on each change: alerts change once per change
 * of a mailbox's health, not per mail, and resolved ones are kept 30 days.
 */
export class JsonAlertStore implements AlertRepository {
  private alerts: Alert[];
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'alerts.json');
    this.alerts = existsSync(this.path)
      ? AlertFile.parse(JSON.parse(readFileSync(this.path, 'utf8'))).alerts
      : [];
  }

  async all() {
    return structuredClone(this.alerts);
  }

  async save(alert: Alert) {
    const oldest = Date.now() - KEEP_RESOLVED_MS;
    const rest = this.alerts.filter(
      (a) => a.id !== alert.id && (a.status === 'open' || Date.parse(a.resolvedAt ?? a.raisedAt) > oldest),
    );
    const next = [...rest, structuredClone(alert)].slice(-MAX_KEPT);
    writeFileAtomic(this.path, JSON.stringify({ version: 1, alerts: next }));
    this.alerts = next;
  }
}

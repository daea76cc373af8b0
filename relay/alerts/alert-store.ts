import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Alert } from '../../shared/alert.js';
import { writeFileAtomic } from '../store/data-dir.js';
import type { AlertRepository } from '../store/repository.js';

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

  constructor(dataDir: string, onDamaged: (why: string) => void = () => {}) {
    this.path = join(dataDir, 'alerts.json');
    this.alerts = [];
    if (!existsSync(this.path)) return;
    try {
      this.alerts = AlertFile.parse(JSON.parse(readFileSync(this.path, 'utf8'))).alerts;
    } catch (e) {
      // Alerts are derived from the mailboxes' state: a damaged file is set aside, not a reason to stop.
      const aside = `${this.path}.damaged-${Date.now()}`;
      renameSync(this.path, aside);
      onDamaged(`${this.path} could not be read (${(e as Error).message.split('\n')[0]}); moved to ${aside}`);
    }
  }

  async all() {
    return structuredClone(this.alerts);
  }

  async save(alert: Alert) {
    const oldest = Date.now() - KEEP_RESOLVED_MS;
    const rest = this.alerts.filter(
      (a) => a.id !== alert.id && (a.status === 'open' || Date.parse(a.resolvedAt ?? a.raisedAt) > oldest),
    );
    // Only resolved alerts make room: an open one dropped would be raised (and sent) again.
    const all = [...rest, structuredClone(alert)];
    const resolved = all.filter((a) => a.status === 'resolved');
    const drop = new Set(resolved.slice(0, Math.max(0, all.length - MAX_KEPT)).map((a) => a.id));
    const next = all.filter((a) => !drop.has(a.id));
    writeFileAtomic(this.path, JSON.stringify({ version: 1, alerts: next }));
    this.alerts = next;
  }
}

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportRun, ImportRunSummary } from '../../shared/run.js';
import { writeFileAtomic } from '../store/data-dir.js';
import type { RunRepository } from '../store/repository.js';

const MARKER = '.running';

/**
 * Run history: one file per run under `runs/<mailbox>/`, the newest `keep` per mailbox. A run file
 * is written when the run starts and when it ends, never rewritten per mail. While a run goes, an
 * empty `<run>.running` marker beside it lets the next start find the runs a dead relay left open.
 */
export class RunStore implements RunRepository {
  private readonly mailboxOf = new Map<string, string>();
  private readonly marked = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly keep = 50,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const mailbox of readdirSync(dir))
      for (const file of readdirSync(join(dir, mailbox))) {
        if (file.endsWith('.json')) this.mailboxOf.set(file.slice(0, -5), mailbox);
        else if (file.endsWith(MARKER)) this.marked.add(file.slice(0, -MARKER.length));
      }
  }

  async save(run: ImportRun) {
    this.saveSync(run);
  }

  private saveSync(run: ImportRun): void {
    const folder = join(this.dir, run.mailboxId);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const marker = join(folder, `${run.id}${MARKER}`);
    if (run.status === 'running') writeFileSync(marker, '', { mode: 0o600 });
    writeFileAtomic(join(folder, `${run.id}.json`), JSON.stringify(run));
    if (run.status !== 'running') rmSync(marker, { force: true });
    this.mailboxOf.set(run.id, run.mailboxId);
    this.prune(run.mailboxId);
  }

  /**
   * Runs stored as `running` when this store was opened: with the data directory locked, nobody is
   * running them (a relay died). Marked ones, and each mailbox's newest (history written before the
   * markers existed).
   */
  async leftRunning() {
    const candidates = new Set(this.marked);
    for (const mailbox of new Set(this.mailboxOf.values())) {
      const newest = this.ids(mailbox).at(-1);
      if (newest) candidates.add(newest);
    }
    return [...candidates].flatMap((id) => {
      const run = this.read(id);
      if (run?.status === 'running') return [run];
      // A marker whose run ended (its end was saved, the marker's removal was not) or never began.
      const mailbox = this.mailboxOf.get(id);
      if (mailbox) rmSync(join(this.dir, mailbox, `${id}${MARKER}`), { force: true });
      else this.removeOrphanMarker(id);
      return [];
    });
  }

  async get(runId: string) {
    return this.read(runId);
  }

  private read(runId: string): ImportRun | undefined {
    const mailbox = this.mailboxOf.get(runId);
    if (mailbox === undefined) return undefined;
    const path = join(this.dir, mailbox, `${runId}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ImportRun) : undefined;
  }

  /** Newest first: run ids start with the start time, so names sort by age. */
  async list(mailboxId: string): Promise<ImportRunSummary[]> {
    return this.ids(mailboxId)
      .reverse()
      .flatMap((id) => {
        const run = this.read(id);
        if (!run) return [];
        const { mails: _mails, ...summary } = run;
        return [summary];
      });
  }

  private removeOrphanMarker(id: string) {
    for (const mailbox of readdirSync(this.dir))
      rmSync(join(this.dir, mailbox, `${id}${MARKER}`), { force: true });
    this.marked.delete(id);
  }

  async removeMailbox(mailboxId: string) {
    for (const id of this.ids(mailboxId)) this.mailboxOf.delete(id);
    rmSync(join(this.dir, mailboxId), { recursive: true, force: true });
  }

  /** Every stored run, for `export`. */
  all(): ImportRun[] {
    return [...this.mailboxOf.keys()].flatMap((id) => this.read(id) ?? []);
  }

  /** An import's runs, each mailbox's newest `keep`. */
  loadAll(runs: ImportRun[]): void {
    for (const run of runs) this.saveSync(run);
  }

  private ids(mailboxId: string): string[] {
    const folder = join(this.dir, mailboxId);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  private prune(mailboxId: string) {
    const ids = this.ids(mailboxId);
    for (const id of ids.slice(0, Math.max(0, ids.length - this.keep))) {
      rmSync(join(this.dir, mailboxId, `${id}.json`), { force: true });
      rmSync(join(this.dir, mailboxId, `${id}${MARKER}`), { force: true });
      this.mailboxOf.delete(id);
    }
  }
}

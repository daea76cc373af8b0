import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportRun, ImportRunSummary } from '../../shared/run.js';
import { writeFileAtomic } from '../store/data-dir.js';

/**
 * Run history: one file per run under `runs/<mailbox>/`, the newest `keep` per mailbox. A run file
 * is written when the run starts and when it ends, never rewritten per mail.
 */
export class RunStore {
  private readonly mailboxOf = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly keep = 50,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const mailbox of readdirSync(dir))
      for (const file of readdirSync(join(dir, mailbox)))
        this.mailboxOf.set(file.replace(/\.json$/, ''), mailbox);
  }

  save(run: ImportRun): void {
    const folder = join(this.dir, run.mailboxId);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(folder, `${run.id}.json`), JSON.stringify(run));
    this.mailboxOf.set(run.id, run.mailboxId);
    this.prune(run.mailboxId);
  }

  get(runId: string): ImportRun | undefined {
    const mailbox = this.mailboxOf.get(runId);
    if (mailbox === undefined) return undefined;
    const path = join(this.dir, mailbox, `${runId}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ImportRun) : undefined;
  }

  /** Newest first: run ids start with the start time, so names sort by age. */
  list(mailboxId: string): ImportRunSummary[] {
    return this.ids(mailboxId)
      .reverse()
      .flatMap((id) => {
        const run = this.get(id);
        if (!run) return [];
        const { mails: _mails, ...summary } = run;
        return [summary];
      });
  }

  removeMailbox(mailboxId: string): void {
    for (const id of this.ids(mailboxId)) this.mailboxOf.delete(id);
    rmSync(join(this.dir, mailboxId), { recursive: true, force: true });
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
      this.mailboxOf.delete(id);
    }
  }
}

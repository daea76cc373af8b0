/** What the scale test reads back from the real parts: Dovecot's folders, the receiver, run history. */
import type { Dovecot } from '../../helpers/dovecot.js';
import type { HttpReceiver } from '../../helpers/http-receiver.js';

/** Polls `probe` until it returns something other than undefined/false; fails with `what` at `deadline`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  deadline: number,
  everyMs = 200,
  explain: () => unknown = () => '',
): Promise<T> {
  for (;;) {
    const got = await probe();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > deadline) {
      const why = await explain();
      throw new Error(`timed out waiting for ${what}${why ? `: ${JSON.stringify(why).slice(0, 4000)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function eachLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** user → folder → Message-IDs in UID order, for every user at once (one doveadm call). */
export type FolderContents = Map<string, Map<string, string[]>>;

export async function folderContents(dovecot: Dovecot): Promise<FolderContents> {
  const out = await dovecot.doveadm(['-f', 'tab', 'fetch', '-A', 'mailbox hdr.message-id', 'all']);
  const all: FolderContents = new Map();
  for (const line of out.split('\n').slice(1)) {
    if (!line) continue;
    const [user = '', folder = '', id = ''] = line.split('\t');
    const folders = all.get(user) ?? new Map<string, string[]>();
    folders.set(folder, [...(folders.get(folder) ?? []), id]);
    all.set(user, folders);
  }
  return all;
}

export const inFolder = (c: FolderContents, user: string, folder: string): string[] =>
  c.get(user)?.get(folder) ?? [];

/** Message-IDs seen more than once in `ids`. */
export const duplicates = (ids: string[]): string[] => [
  ...new Set(ids.filter((id, i) => ids.indexOf(id) !== i)),
];

export interface Deliveries {
  /** `mailboxId messageId` → the Idempotency-Keys it was accepted under (one, if delivered once). */
  keysByMail: Map<string, string[]>;
  /** Idempotency-Key → statuses of every POST with it. */
  postsByKey: Map<string, number[]>;
}

/** What the receiver got from the given mailboxes (Idempotency-Key is `mailboxId:ledgerKey`). */
export function deliveries(receiver: HttpReceiver, mailboxIds: Set<string>): Deliveries {
  const mine = (key: string) => mailboxIds.has(key.slice(0, key.indexOf(':')));
  const postsByKey = new Map<string, number[]>();
  for (const p of receiver.posts)
    if (mine(p.key)) postsByKey.set(p.key, [...(postsByKey.get(p.key) ?? []), p.status]);
  const keysByMail = new Map<string, string[]>();
  for (const [key, got] of receiver.accepted) {
    if (!mine(key)) continue;
    const mail = `${String(got.metadata.mailboxId)} ${String(got.metadata.messageId)}`;
    keysByMail.set(mail, [...(keysByMail.get(mail) ?? []), key]);
  }
  return { keysByMail, postsByKey };
}

export interface RunSummary {
  id: string;
  mailboxId: string;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * Pairs of runs of one mailbox whose [startedAt, end] intervals overlap. `end` defaults to
 * finishedAt; a run without one counts as still going.
 */
export function overlappingRuns(
  runs: RunSummary[],
  end: (r: RunSummary) => number = (r) => (r.finishedAt ? Date.parse(r.finishedAt) : Infinity),
): [RunSummary, RunSummary][] {
  const sorted = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const found: [RunSummary, RunSummary][] = [];
  let latest: RunSummary | undefined;
  for (const r of sorted) {
    if (latest && Date.parse(r.startedAt) < end(latest)) found.push([latest, r]);
    if (!latest || end(r) > end(latest)) latest = r;
  }
  return found;
}

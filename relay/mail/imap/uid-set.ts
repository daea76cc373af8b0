/**
 * UID sets for IMAP commands (RFC 9051 §9, sequence-set). imapflow writes a UID array number by number,
 * and at 20,000 UIDs the command passed Dovecot's 64 KB argument limit (DESIGN.md §3), so ascending
 * runs become ranges ("1:500,502") and a long set is split into several commands.
 */

/** Characters per set, far below the 64 KB Dovecot accepts and the 8 KB line some servers assume. */
export const MAX_UID_SET_LENGTH = 16_000;

/**
 * Sorts and de-duplicates `uids`, joins consecutive ones into ranges and splits the result into sets
 * of at most `maxLength` characters. Returns no set for no UIDs.
 */
export function compressUidSet(uids: readonly number[], maxLength = MAX_UID_SET_LENGTH): string[] {
  for (const uid of uids) {
    // nz-number (RFC 9051 §9): 1 … 4294967295.
    if (!Number.isInteger(uid) || uid < 1 || uid > 0xffff_ffff) throw new RangeError(`not a UID: ${uid}`);
  }
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const sets: string[] = [];
  let current = '';
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i] as number;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i] as number;
    i++;
    const item = end === start ? String(start) : `${start}:${end}`;
    if (current && current.length + 1 + item.length > maxLength) {
      sets.push(current);
      current = '';
    }
    current = current ? `${current},${item}` : item;
  }
  if (current) sets.push(current);
  return sets;
}

/** Splits `uids` into groups of at most `size`, in the given order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

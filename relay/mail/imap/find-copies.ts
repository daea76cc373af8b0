/**
 * Finding the copies a COPY made when its answer never arrived (a reset, a crash): issue 8. The
 * target is EXAMINEd (read-only, RFC 9051 §6.3.3) and searched by Message-ID and size among the
 * UIDs the copy can have; a candidate counts only when its raw bytes hash to the SHA-256 the ledger
 * holds, so an older twin of the mail (same bytes, imported months ago) is never taken for its copy.
 */
import { createHash } from 'node:crypto';
import type { ImapFlow, SearchObject } from 'imapflow';
import type { CopyProbe } from '../driver.js';

export async function findCopiesIn(
  client: ImapFlow,
  path: string,
  probes: CopyProbe[],
  chunkSize: number,
): Promise<(number | null)[]> {
  const box = await client.mailboxOpen(path, { readOnly: true });
  const uidValidity = box.uidValidity.toString();
  const claimed = new Set<number>();
  const found: (number | null)[] = [];
  for (const probe of probes) {
    const since =
      probe.since === null ? 1 : probe.since.uidValidity === uidValidity ? probe.since.uidNext : null;
    const query = since === null ? null : searchFor(probe, since);
    let hit: number | null = null;
    if (query && since !== null) {
      const uids = await client.search(query, { uid: true });
      // `n:*` also matches the highest UID when it is below n (RFC 9051 §6.4.9): filter again.
      const candidates = (Array.isArray(uids) ? uids : [])
        .filter((u) => u >= since && !claimed.has(u))
        .sort((a, b) => a - b);
      for (const uid of candidates) {
        if (probe.rawSha256 === null || (await rawSha256(client, uid, chunkSize)) === probe.rawSha256) {
          hit = uid;
          break;
        }
      }
    }
    if (hit !== null) claimed.add(hit);
    found.push(hit);
  }
  return found;
}

/**
 * Null when nothing identifies the mail well enough: better a second copy than taking another mail
 * for it. Without a mark (since 1) only the raw hash identifies it; a target renumbered since the
 * COPY (its UIDVALIDITY changed) has no usable mark at all, so the caller copies again.
 */
function searchFor(probe: CopyProbe, since: number): SearchObject | null {
  if (probe.rawSha256 === null && (probe.messageId === null || since === 1)) return null;
  return {
    uid: `${since}:*`,
    ...(probe.messageId !== null && { header: { 'message-id': probe.messageId } }),
    ...(probe.size !== null && { larger: probe.size - 1, smaller: probe.size + 1 }),
  };
}

async function rawSha256(client: ImapFlow, uid: number, chunkSize: number): Promise<string | null> {
  const { content } = await client.download(String(uid), undefined, { uid: true, chunkSize });
  if (!content) return null;
  const hash = createHash('sha256');
  for await (const chunk of content) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

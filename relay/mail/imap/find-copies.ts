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
): Promise<(number | null)[]> {
  const box = await client.mailboxOpen(path, { readOnly: true });
  const uidValidity = box.uidValidity.toString();
  const claimed = new Set<number>();
  const found: (number | null)[] = [];
  for (const probe of probes) {
    const since = probe.since?.uidValidity === uidValidity ? probe.since.uidNext : 1;
    const query = searchFor(probe, since);
    let hit: number | null = null;
    if (query) {
      const uids = await client.search(query, { uid: true });
      // `n:*` also matches the highest UID when it is below n (RFC 9051 §6.4.4): filter again.
      const candidates = (Array.isArray(uids) ? uids : [])
        .filter((u) => u >= since && !claimed.has(u))
        .sort((a, b) => a - b);
      for (const uid of candidates) {
        if (probe.rawSha256 === null || (await rawSha256(client, uid)) === probe.rawSha256) {
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

/** Null when nothing identifies the mail: better a second copy than taking another mail for it. */
function searchFor(probe: CopyProbe, since: number): SearchObject | null {
  if (probe.messageId === null && probe.rawSha256 === null) return null;
  return {
    uid: `${since}:*`,
    ...(probe.messageId !== null && { header: { 'message-id': probe.messageId } }),
    ...(probe.size !== null && { larger: probe.size - 1, smaller: probe.size + 1 }),
  };
}

async function rawSha256(client: ImapFlow, uid: number): Promise<string | null> {
  const { content } = await client.download(String(uid), undefined, { uid: true });
  if (!content) return null;
  const hash = createHash('sha256');
  for await (const chunk of content) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

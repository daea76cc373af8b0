/**
 * The benchmark mails: each one a multipart/mixed message from the test corpus with a text body and
 * one PDF invoice of the requested size. Every mail has its own Message-ID and its own PDF bytes, so
 * no deduplication by Message-ID or content hash can skip work.
 */
import { buildMail, pdfBytes } from '../fixtures/corpus.js';
import type { Dovecot } from '../helpers/dovecot.js';

export const BENCH_USER = 'alice';

function benchMail(index: number, size: number): Promise<Buffer> {
  return buildMail({
    subject: `Invoice ${index}`,
    messageId: `<bench-${index}@lieferant.example>`,
    attachments: [
      {
        filename: `invoice-${index}.pdf`,
        content: pdfBytes(size, `invoice ${index}`),
        contentType: 'application/pdf',
      },
    ],
  });
}

/**
 * Fills each of `folders` with the same `count` mails (same bytes, same order), so the tools measured
 * on them start from identical content. Built in groups to keep the memory of 10 MB mails bounded.
 */
export async function seedFolders(dovecot: Dovecot, folders: string[], count: number, pdfSize: number) {
  for (const folder of folders) await dovecot.createFolder(BENCH_USER, folder);
  const group = Math.max(1, Math.floor((256 * 1024 * 1024) / (pdfSize * 1.4)));
  let rawBytes = 0;
  for (let start = 0; start < count; start += group) {
    const size = Math.min(group, count - start);
    const raws = await Promise.all(Array.from({ length: size }, (_, i) => benchMail(start + i + 1, pdfSize)));
    rawBytes += raws.reduce((sum, r) => sum + r.length, 0);
    for (const folder of folders) await dovecot.appendMessages(BENCH_USER, folder, raws);
  }
  for (const folder of folders) {
    const n = await dovecot.messageCount(BENCH_USER, folder);
    if (n !== count) throw new Error(`seeding ${folder}: ${n} mails instead of ${count}`);
  }
  return { rawBytes };
}

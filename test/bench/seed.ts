/**
 * The benchmark mails, built from the test corpus. Every mail has its own Message-ID and its own
 * document bytes, so no deduplication by Message-ID or content hash can skip work.
 */
import { buildMail, jpegBytes, junkBytes, pdfBytes, ublInvoiceXml } from '../fixtures/corpus.js';
import type { Dovecot } from '../helpers/dovecot.js';

export const BENCH_USER = 'alice';

/** What the n-th mail of a scenario is (1-based): built on demand, so memory stays bounded. */
export type MailMaker = (index: number) => Promise<Buffer>;

/** A multipart/mixed mail with a text body and one PDF invoice of `size` bytes. */
export const pdfMail =
  (size: number): MailMaker =>
  (index) =>
    buildMail({
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

/** A plain mail without any document: a newsletter, a reminder, a reply (scenario C). */
export const plainMail: MailMaker = (index) =>
  buildMail({
    subject: `Re: delivery ${index}`,
    messageId: `<plain-${index}@kunde.example>`,
    text: `Hello,\n\nthe delivery ${index} arrives on Tuesday.\n\nKind regards\n`.repeat(8),
  });

/**
 * A realistic inbox (scenario D): 60 % without documents, PDFs of 50 KB–2 MB, some XML
 * e-invoices, and one 20 MB scan in a hundred.
 */
export const mixedMail: MailMaker = async (index) => {
  const kind = index % 10;
  if (kind < 6) return plainMail(index);
  if (kind === 9 && index % 100 === 99)
    return buildMail({
      subject: `Scan ${index}`,
      messageId: `<scan-${index}@scanner.example>`,
      attachments: [
        {
          filename: `scan-${index}.jpg`,
          content: Buffer.concat([jpegBytes(), junkBytes(20 * 1024 * 1024, index)]),
          contentType: 'image/jpeg',
        },
      ],
    });
  if (kind === 8)
    return buildMail({
      subject: `E-Rechnung ${index}`,
      messageId: `<xrechnung-${index}@lieferant.example>`,
      attachments: [
        {
          filename: `rechnung-${index}.xml`,
          content: ublInvoiceXml(`INV-${index}`),
          contentType: 'application/xml',
        },
      ],
    });
  // 50 KB to 2 MB, spread over the range and the same every run.
  return pdfMail(50 * 1024 + ((index * 7919) % 1950) * 1024)(index);
};

/**
 * Fills each of `folders` with the same `count` mails (same bytes, same order), so the tools measured
 * on them start from identical content. Built in groups of at most 256 MB to keep memory bounded.
 */
export async function seedFolders(dovecot: Dovecot, folders: string[], count: number, make: MailMaker) {
  for (const folder of folders) await dovecot.createFolder(BENCH_USER, folder);
  let rawBytes = 0;
  let group: Buffer[] = [];
  let groupBytes = 0;
  const flush = async () => {
    for (const folder of folders) await dovecot.appendMessages(BENCH_USER, folder, group);
    group = [];
    groupBytes = 0;
  };
  for (let i = 1; i <= count; i++) {
    const raw = await make(i);
    rawBytes += raw.length;
    group.push(raw);
    groupBytes += raw.length;
    if (groupBytes > 256 * 1024 * 1024) await flush();
  }
  if (group.length > 0) await flush();
  for (const folder of folders) {
    const n = await dovecot.messageCount(BENCH_USER, folder);
    if (n !== count) throw new Error(`seeding ${folder}: ${n} mails instead of ${count}`);
  }
  return { rawBytes };
}

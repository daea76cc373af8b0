import type { DocumentType } from '../../../shared/run.js';
import { isEInvoiceXml } from './sniff-xml.js';

/**
 * How many leading bytes of a part are read before deciding what it is. PDF needs 1024, the
 * image signatures 8; an XML e-invoice may sit behind a declaration, a DOCTYPE and licence
 * comments, so a few KB are kept for it.
 */
export const SNIFF_BYTES = 8 * 1024;

/** "%PDF-" anywhere in the first 1024 bytes, as Acrobat accepts (ISO 32000-1 Annex H.1, note 3). */
const PDF_WINDOW = 1024;
const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

const SIGNATURES: ReadonlyArray<readonly [DocumentType, Buffer]> = [
  ['png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], // PNG spec §5.2
  ['jpeg', Buffer.from([0xff, 0xd8, 0xff])], // SOI marker + the first marker's 0xFF
  ['tiff', Buffer.from([0x49, 0x49, 0x2a, 0x00])], // TIFF 6.0 §2, little-endian "II*\0"
  ['tiff', Buffer.from([0x4d, 0x4d, 0x00, 0x2a])], // big-endian "MM\0*"
];

/** TNEF stream signature 0x223E9F78, little-endian ([MS-OXTNEF] 2.1.3.1). */
const TNEF_MAGIC = Buffer.from([0x78, 0x9f, 0x3e, 0x22]);

/**
 * The document type the bytes say, or null when the part is not an invoice document. The
 * declared Content-Type is deliberately not consulted: senders label PDFs application/octet-stream
 * and label text application/pdf.
 */
export function sniffType(head: Buffer): DocumentType | null {
  if (head.subarray(0, PDF_WINDOW).includes(PDF_MAGIC)) return 'pdf';
  for (const [type, magic] of SIGNATURES) {
    if (head.subarray(0, magic.length).equals(magic)) return type;
  }
  return isEInvoiceXml(head) ? 'xml' : null;
}

/** True when the bytes start a TNEF stream (winmail.dat), whatever the part was labelled. */
export function isTnef(head: Buffer): boolean {
  return head.subarray(0, TNEF_MAGIC.length).equals(TNEF_MAGIC);
}

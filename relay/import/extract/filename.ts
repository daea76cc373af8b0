import type { DocumentType } from '../../../shared/run.js';

/**
 * Safe file names for delivered documents. The name arrives decoded (RFC 2047 encoded-words and
 * RFC 2231 parameter continuations/charsets are undone by libmime in mailparser) but is still
 * whatever the sender wrote, and it becomes a file name in the outbox and at the target.
 */

export const MAX_FILENAME_LENGTH = 200;
/** ext4 and most file systems stop at 255 bytes; keep room for a collision suffix. */
const MAX_FILENAME_BYTES = 240;

/** Accepted extensions per type, the first is the one added. */
const EXTENSIONS: Record<DocumentType, readonly string[]> = {
  pdf: ['pdf'],
  xml: ['xml'],
  png: ['png'],
  jpeg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  tiff: ['tif', 'tiff'],
};

// C0/C1 controls, DEL, and the bidi overrides/isolates that make "invoice\u202Efdp.exe" read as
// "invoiceexe.pdf" (Unicode TR #36 §2.1).
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** Characters Windows forbids in names; a target share may be SMB. */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A name without path, control characters, leading dots or Windows-forbidden characters, at most
 * 200 characters with its extension kept, ending in an extension that fits `type` (one is added
 * when missing: "invoice" → "invoice.pdf", "scan.dat" → "scan.dat.pdf"). `document-<n>.<ext>`
 * when nothing usable is left.
 */
export function sanitiseFilename(name: string | null | undefined, type: DocumentType, n: number): string {
  const ext = EXTENSIONS[type][0] as string;
  // RFC 2183 §2.3: directory information in the filename must not be respected, keep the last component.
  let base = (name ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  base = base.replace(INVISIBLE, '').replace(WINDOWS_FORBIDDEN, '_').replace(/\s+/g, ' ');
  // Leading dots hide files and spell "..": trailing dots and spaces are dropped by Windows.
  base = base.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  let stem = base;
  let suffix = ext;
  const dot = base.lastIndexOf('.');
  const current = dot > 0 ? base.slice(dot + 1) : '';
  if (EXTENSIONS[type].includes(current.toLowerCase())) {
    stem = base.slice(0, dot);
    suffix = current;
  }
  if (!stem) return `document-${n}.${ext}`;
  if (WINDOWS_DEVICE.test(stem.split('.')[0] ?? '')) stem = `_${stem}`;
  return `${truncate(stem, suffix)}.${suffix}`;
}

/** Shortens the stem, never the extension, by whole code points. */
function truncate(stem: string, suffix: string): string {
  const points = [...stem];
  const fits = () => {
    const candidate = `${points.join('')}.${suffix}`;
    return [...candidate].length <= MAX_FILENAME_LENGTH && Buffer.byteLength(candidate) <= MAX_FILENAME_BYTES;
  };
  while (points.length > 1 && !fits()) points.pop();
  return points.join('').replace(/[\s.]+$/, '') || 'document';
}

/**
 * Makes `name` unique among `taken` (compared case-insensitively, as on Windows and macOS) by
 * adding "-2", "-3" … before the extension, and records it: two attachments both called
 * "invoice.pdf" must not overwrite each other at the target.
 */
export function uniqueFilename(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  let candidate = name;
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) {
    const room = MAX_FILENAME_LENGTH - [...ext].length - `-${i}`.length;
    candidate = `${[...stem].slice(0, room).join('')}-${i}${ext}`;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}

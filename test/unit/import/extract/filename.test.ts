import { describe, expect, it } from 'vitest';
import {
  MAX_FILENAME_LENGTH,
  sanitiseFilename,
  uniqueFilename,
} from '../../../../relay/import/extract/filename.js';

describe('sanitiseFilename', () => {
  it('keeps a good name as it is', () => {
    expect(sanitiseFilename('Rechnung Nr. 5 – März.pdf', 'pdf', 1)).toBe('Rechnung Nr. 5 – März.pdf');
    expect(sanitiseFilename('scan.JPEG', 'jpeg', 1)).toBe('scan.JPEG');
    expect(sanitiseFilename('scan.tiff', 'tiff', 1)).toBe('scan.tiff');
  });

  it('keeps only the last path component (RFC 2183 §2.3)', () => {
    expect(sanitiseFilename('../../etc/passwd.pdf', 'pdf', 1)).toBe('passwd.pdf');
    expect(sanitiseFilename('C:\\Users\\x\\..\\invoice.pdf', 'pdf', 1)).toBe('invoice.pdf');
    expect(sanitiseFilename('/abs/path/', 'pdf', 4)).toBe('document-4.pdf');
  });

  it('drops control characters, bidi overrides and leading dots, replaces Windows-forbidden characters', () => {
    expect(sanitiseFilename('in\u0000vo\u0007ice\r\n.pdf', 'pdf', 1)).toBe('invoice.pdf');
    expect(sanitiseFilename('invoice\u202Efdp.exe', 'pdf', 1)).toBe('invoicefdp.exe.pdf');
    expect(sanitiseFilename('...hidden.pdf', 'pdf', 1)).toBe('hidden.pdf');
    expect(sanitiseFilename('a<b>:c"d|e?f*.pdf', 'pdf', 1)).toBe('a_b__c_d_e_f_.pdf');
    expect(sanitiseFilename('  spaced   name .pdf. ', 'pdf', 1)).toBe('spaced name.pdf');
    expect(sanitiseFilename('invoice..pdf', 'pdf', 1)).toBe('invoice.pdf');
  });

  it('adds an extension that fits the sniffed type', () => {
    expect(sanitiseFilename('invoice', 'pdf', 1)).toBe('invoice.pdf');
    expect(sanitiseFilename('scan.dat', 'pdf', 1)).toBe('scan.dat.pdf');
    expect(sanitiseFilename('scan.pdf', 'jpeg', 1)).toBe('scan.pdf.jpg');
    expect(sanitiseFilename('factur-x', 'xml', 1)).toBe('factur-x.xml');
  });

  it('falls back to document-<n>.<ext> when no name is left', () => {
    expect(sanitiseFilename(undefined, 'pdf', 1)).toBe('document-1.pdf');
    expect(sanitiseFilename(null, 'png', 2)).toBe('document-2.png');
    expect(sanitiseFilename('..', 'tiff', 3)).toBe('document-3.tif');
    expect(sanitiseFilename('\u0001\u0002', 'xml', 5)).toBe('document-5.xml');
    expect(sanitiseFilename('.pdf', 'pdf', 6)).toBe('pdf.pdf');
  });

  it('defuses Windows device names', () => {
    expect(sanitiseFilename('CON.pdf', 'pdf', 1)).toBe('_CON.pdf');
    expect(sanitiseFilename('lpt1.tar.pdf', 'pdf', 1)).toBe('_lpt1.tar.pdf');
  });

  it('cuts long names to 200 characters, keeping the extension and whole characters', () => {
    const long = sanitiseFilename(`${'a'.repeat(300)}.pdf`, 'pdf', 1);
    expect(long).toHaveLength(MAX_FILENAME_LENGTH);
    expect(long.endsWith('a.pdf')).toBe(true);
    const emoji = sanitiseFilename(`${'😀'.repeat(150)}.pdf`, 'pdf', 1);
    expect(emoji.endsWith('😀.pdf')).toBe(true);
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(240);
    expect(emoji).not.toMatch(/\uFFFD/);
    const umlauts = sanitiseFilename(`${'ä'.repeat(199)}.pdf`, 'pdf', 1);
    expect(Buffer.byteLength(umlauts)).toBeLessThanOrEqual(240);
  });

  it('normalises to NFC so the same name compares equal', () => {
    expect(sanitiseFilename('Ma\u0308rz.pdf', 'pdf', 1)).toBe('M\u00e4rz.pdf');
  });
});

describe('uniqueFilename', () => {
  it('numbers repeated names within a mail, ignoring case', () => {
    const taken = new Set<string>();
    expect(uniqueFilename('invoice.pdf', taken)).toBe('invoice.pdf');
    expect(uniqueFilename('Invoice.pdf', taken)).toBe('Invoice-2.pdf');
    expect(uniqueFilename('invoice.pdf', taken)).toBe('invoice-3.pdf');
    expect(uniqueFilename('invoice-2.pdf', taken)).toBe('invoice-2-2.pdf');
  });

  it('stays within 200 characters', () => {
    const taken = new Set<string>();
    const name = `${'b'.repeat(196)}.pdf`;
    uniqueFilename(name, taken);
    const second = uniqueFilename(name, taken);
    expect(second).toHaveLength(MAX_FILENAME_LENGTH);
    expect(second.endsWith('-2.pdf')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { isTnef, sniffType } from '../../../../relay/import/extract/sniff.js';
import { xmlRoot } from '../../../../relay/import/extract/sniff-xml.js';
import {
  ciiInvoiceXml,
  jpegBytes,
  otherXml,
  pdfBytes,
  pngBytes,
  tiffBytes,
  tnefBytes,
  ublInvoiceXml,
} from '../../../fixtures/corpus.js';

const UBL = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
const UBL_CN = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';
const CII = 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100';
const xml = (text: string) => Buffer.from(text, 'utf8');

describe('sniffType: binary formats', () => {
  it('recognises PDF, PNG, JPEG and both TIFF byte orders by their signatures', () => {
    expect(sniffType(pdfBytes())).toBe('pdf');
    expect(sniffType(pngBytes())).toBe('png');
    expect(sniffType(jpegBytes())).toBe('jpeg');
    expect(sniffType(tiffBytes())).toBe('tiff');
    expect(sniffType(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
  });

  it('finds %PDF- within the first 1024 bytes only', () => {
    expect(sniffType(Buffer.concat([Buffer.alloc(1000, 0x20), Buffer.from('%PDF-1.4')]))).toBe('pdf');
    expect(sniffType(Buffer.concat([Buffer.alloc(1020, 0x20), Buffer.from('%PDF-1.4')]))).toBe(null);
  });

  it('does not take text, truncated signatures or other binaries for documents', () => {
    for (const bytes of [
      Buffer.from('Your invoice is on its way.'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      Buffer.from([0xff, 0xd8]),
      Buffer.from('PK\x03\x04zip'),
      Buffer.from('GIF89a'),
      Buffer.alloc(0),
    ]) {
      expect(sniffType(bytes)).toBe(null);
    }
  });

  it('recognises TNEF by its signature', () => {
    expect(isTnef(tnefBytes([]))).toBe(true);
    expect(isTnef(pdfBytes())).toBe(false);
  });
});

describe('sniffType: XML e-invoices', () => {
  it('accepts UBL Invoice and CreditNote and CII, however the namespace is bound', () => {
    expect(sniffType(xml(ublInvoiceXml()))).toBe('xml');
    expect(sniffType(xml(ciiInvoiceXml()))).toBe('xml');
    expect(sniffType(xml(`<ubl:Invoice xmlns:ubl='${UBL}'/>`))).toBe('xml');
    expect(sniffType(xml(`<CreditNote xmlns="${UBL_CN}"><x/></CreditNote>`))).toBe('xml');
    expect(sniffType(xml(`<CrossIndustryInvoice xmlns="${CII}">`))).toBe('xml');
  });

  it('skips a BOM, the declaration, comments, processing instructions and a DOCTYPE', () => {
    const prolog =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment with <Invoice> inside -->\n' +
      '<?pi target?>\n<!DOCTYPE Invoice [ <!ENTITY x "y"> ]>\n<!-- licence -->\n';
    expect(xmlRoot(xml(`${prolog}<Invoice xmlns="${UBL}">`))).toEqual({
      namespace: UBL,
      localName: 'Invoice',
    });
    expect(sniffType(xml(`${prolog}<Invoice xmlns="${UBL}">`))).toBe('xml');
  });

  it('reads UTF-16 with and without a byte order mark', () => {
    const text = `<?xml version="1.0" encoding="UTF-16"?><Invoice xmlns="${UBL}"/>`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    expect(sniffType(Buffer.concat([Buffer.from([0xff, 0xfe]), le]))).toBe('xml');
    expect(sniffType(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe('xml');
    expect(sniffType(le)).toBe('xml');
    expect(sniffType(be)).toBe('xml');
  });

  it('refuses other XML, the right name in the wrong namespace, and unbound prefixes', () => {
    expect(sniffType(xml(otherXml()))).toBe(null);
    expect(sniffType(xml('<Invoice xmlns="urn:example:invoice"/>'))).toBe(null);
    expect(sniffType(xml('<Invoice/>'))).toBe(null);
    expect(sniffType(xml(`<rsm:CrossIndustryInvoice xmlns:ram="${CII}">`))).toBe(null);
    expect(sniffType(xml(`<Order xmlns="${UBL}"/>`))).toBe(null);
    expect(
      sniffType(
        xml(
          `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><Invoice xmlns="${UBL}"/>`,
        ),
      ),
    ).toBe(null);
  });

  it('gives up when the root tag is not complete in the head', () => {
    expect(xmlRoot(xml(`<?xml version="1.0"?><Invoice xmlns="${UBL.slice(0, 20)}`))).toBe(null);
    expect(xmlRoot(xml('<!-- never closed'))).toBe(null);
    expect(xmlRoot(xml('   '))).toBe(null);
    expect(xmlRoot(xml('<1abc>'))).toBe(null);
  });

  it('is not fooled by ">" inside attribute values', () => {
    expect(xmlRoot(xml(`<Invoice note="a > b" xmlns="${UBL}">`))).toEqual({
      namespace: UBL,
      localName: 'Invoice',
    });
  });
});

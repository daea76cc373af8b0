/**
 * Recognises an XML e-invoice from the first few KB by its root element, the way the standards
 * identify themselves: the local name and the namespace URI (Namespaces in XML 1.0 §6). Only the
 * prolog is skipped (XML 1.0 §2.8: BOM, declaration, comments, processing instructions, DOCTYPE);
 * nothing is validated. Any other XML (a delivery note, a SOAP envelope, an SVG) is not a document.
 */

/** `${namespace} ${localName}` of the roots that make an e-invoice. */
const INVOICE_ROOTS: ReadonlySet<string> = new Set([
  // OASIS UBL 2.x, used by Peppol BIS Billing 3.0 and XRechnung (UBL syntax)
  'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 Invoice',
  'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2 CreditNote',
  // UN/CEFACT CII D16B, used by XRechnung (CII syntax), ZUGFeRD 2.x and Factur-X
  'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100 CrossIndustryInvoice',
  // ZUGFeRD 1.0, still sent as a standalone XML by older ERP exports
  'urn:ferd:CrossIndustryDocument:invoice:1p0 CrossIndustryDocument',
]);

/** The root element's namespace and local name, or null when the head holds no complete start tag. */
export function xmlRoot(head: Buffer): { namespace: string; localName: string } | null {
  const text = decodeHead(head);
  const start = skipProlog(text);
  if (start < 0 || text[start] !== '<') return null;
  const end = tagEnd(text, start);
  if (end < 0) return null;
  const tag = text.slice(start + 1, end);
  const qname = /^[^\s/>]+/.exec(tag)?.[0];
  if (!qname || !/^[A-Za-z_]/.test(qname)) return null;
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const localName = colon < 0 ? qname : qname.slice(colon + 1);
  const wanted = prefix ? `xmlns:${prefix}` : 'xmlns';
  // Only declarations on the root itself can bind the root's own prefix.
  for (const m of tag.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if (m[1] === wanted) return { namespace: (m[2] ?? m[3] ?? '').trim(), localName };
  }
  return { namespace: '', localName };
}

export function isEInvoiceXml(head: Buffer): boolean {
  const root = xmlRoot(head);
  return root !== null && INVOICE_ROOTS.has(`${root.namespace} ${root.localName}`);
}

/**
 * Decodes enough to read markup. Element names and namespace URIs of the invoice standards are
 * ASCII, so any ASCII-compatible encoding (UTF-8, ISO-8859-x, windows-125x) reads correctly as
 * latin1; UTF-16 is recognised by its BOM or by "<?" in it (XML 1.0 Appendix F.1).
 */
function decodeHead(head: Buffer): string {
  const b0 = head[0];
  const b1 = head[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0x3c && b1 === 0x00)) return utf16(head, false);
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0x00 && b1 === 0x3c)) return utf16(head, true);
  const bom = b0 === 0xef && b1 === 0xbb && head[2] === 0xbf ? 3 : 0;
  return head.subarray(bom).toString('latin1');
}

function utf16(head: Buffer, bigEndian: boolean): string {
  const even = Buffer.from(head.subarray(0, head.length - (head.length % 2)));
  if (bigEndian) even.swap16();
  return even.toString('utf16le').replace(/^\uFEFF/, '');
}

/** Index of the root start tag's "<", or -1 when the prolog does not end within the head. */
function skipProlog(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
    if (text.startsWith('<?', i)) i = after(text, '?>', i + 2);
    else if (text.startsWith('<!--', i)) i = after(text, '-->', i + 4);
    else if (text.startsWith('<!DOCTYPE', i)) i = afterDoctype(text, i);
    else return i < text.length ? i : -1;
    if (i < 0) return -1;
  }
}

function after(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  return at < 0 ? -1 : at + token.length;
}

/** A DOCTYPE may carry an internal subset in brackets, which itself contains ">". */
function afterDoctype(text: string, from: number): number {
  const gt = text.indexOf('>', from);
  const bracket = text.indexOf('[', from);
  if (bracket < 0 || (gt >= 0 && gt < bracket)) return gt < 0 ? -1 : gt + 1;
  const close = text.indexOf(']', bracket);
  return close < 0 ? -1 : after(text, '>', close);
}

/** Index of the ">" closing the start tag at `from`, skipping quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote = '';
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

import type { Readable } from 'node:stream';
import type { AttachmentStream, MailParser, StructuredHeader } from 'mailparser';
import type { DocumentType } from '../../../shared/run.js';
import { deliverDocument, describe, type ExtractContext } from './deliver-document.js';
import { peekStream, type PeekedStream } from './peek-stream.js';
import { isTnef, sniffType, SNIFF_BYTES } from './sniff.js';
import { deliverTnef } from './tnef-documents.js';

/**
 * Decides what one MIME attachment is: a forwarded message to search, a winmail.dat to unpack, a
 * document to deliver, or nothing. mailparser emits every non-text part and every part with
 * Content-Disposition: attachment, so text bodies never get here; inline PDFs do, and count.
 *
 * Body images: an image (by its bytes) that has a Content-ID and sits inside multipart/related
 * (RFC 2387) is part of the HTML body, a logo or signature, and is not a document. Checking the
 * HTML for the cid: reference instead would mean buffering the HTML before the images it names;
 * the structural rule is streamable and is what every mail client writes for embedded images.
 * A PDF or XML is a document wherever it sits.
 */

export interface Position {
  depth: number;
  /** The parser of the message this attachment belongs to (its headers are parsed by now). */
  parser: MailParser;
  ctx: ExtractContext;
}

export type Recurse = (content: Readable) => Promise<{ error: string | null }>;

const MESSAGE_TYPES = new Set(['message/rfc822', 'message/global']);
const TNEF_TYPES = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);
const IMAGE_TYPES: ReadonlySet<DocumentType> = new Set(['png', 'jpeg', 'tiff']);

/** Always reads the content to its end and releases the part, so the parser can go on. */
export async function handleAttachment(att: AttachmentStream, at: Position, recurse: Recurse): Promise<void> {
  att.content.on('error', () => undefined); // reported through the reads below, never as a crash
  try {
    // A part that declares no type gets mailparser's guess from its file name.
    const declaredType = contentType(att.headers.get('content-type')) ?? (att.contentType || 'text/plain');
    // mailparser guesses message/rfc822 for an application/octet-stream named *.eml.
    if (MESSAGE_TYPES.has(declaredType) || att.contentType === 'message/rfc822')
      await searchInside(att, at, recurse);
    else await inspect(att, declaredType, at.ctx);
  } finally {
    await drain(att.content);
    att.release?.();
  }
}

async function searchInside(att: AttachmentStream, { depth, parser, ctx }: Position, recurse: Recurse) {
  // RFC 6522 §3: the message inside a delivery report is our own returned mail, not a received one.
  if (parser.headers && contentType(parser.headers.get('content-type')) === 'multipart/report') {
    ctx.warnings.push('the returned message inside a delivery report was not searched');
    return;
  }
  if (depth + 1 > ctx.maxDepth) {
    ctx.warnings.push(`a forwarded message nested deeper than ${ctx.maxDepth} levels was not searched`);
    return;
  }
  const { error } = await recurse(att.content);
  if (error) ctx.warnings.push(`a forwarded message could not be parsed to its end: ${error}`);
}

async function inspect(att: AttachmentStream, declaredType: string, ctx: ExtractContext) {
  let peeked: PeekedStream;
  try {
    peeked = await peekStream(att.content, SNIFF_BYTES);
  } catch (err) {
    ctx.warnings.push(`${att.filename ?? declaredType} could not be decoded: ${describe(err)}`);
    return;
  }
  try {
    if (isTnef(peeked.head)) return await deliverTnef(peeked, ctx);
    const type = sniffType(peeked.head);
    if (!type && TNEF_TYPES.has(declaredType))
      ctx.warnings.push('a part declared as winmail.dat is not TNEF');
    if (!type || (IMAGE_TYPES.has(type) && att.related && att.cid)) return;
    const doc = { name: att.filename, type, declaredType, content: peeked.whole() };
    await deliverDocument(ctx, doc, () => peeked.sourceError);
  } finally {
    await peeked.drain();
  }
}

function contentType(header: unknown): string | undefined {
  const value = (header as StructuredHeader | undefined)?.value;
  return typeof value === 'string' && value ? value.trim().toLowerCase() : undefined;
}

async function drain(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return;
  try {
    for await (const _ of stream);
  } catch {
    // a broken part: the parser reports its own failure
  }
}

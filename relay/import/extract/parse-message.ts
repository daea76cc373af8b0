import type { Readable, Writable } from 'node:stream';
import { MailParser } from 'mailparser';
import type { AttachmentStream, MailParserOptions, MessageText } from 'mailparser';
import { handleAttachment } from './attachment.js';
import { describe, type ExtractContext } from './deliver-document.js';

/**
 * One message, top-level or forwarded, through mailparser's streaming MailParser. The parser
 * holds each attachment until it is released, and since mailparser 3.9.30 it honours the
 * backpressure of the attachment stream, so the chain source → parser → attachment → sink holds
 * a bounded amount (about 3.5 MB of raw read ahead, measured, most of it mailsplit's 16 × 64 KB
 * queue) whatever the attachment's size.
 */
const PARSER_OPTIONS: MailParserOptions = {
  // Every message/rfc822 part comes out as an attachment, so nesting depth can be counted
  // (mailsplit would otherwise parse inline-disposition ones into the outer tree).
  ignoreEmbedded: true,
  // Bodies are never documents: skip the HTML ↔ text conversions and the per-attachment hash.
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  checksumAlgo: false,
};

export interface ParsedMessage {
  parser: MailParser;
  /** Why the parser gave up, in words; null when it read the message to its end. */
  error: string | null;
}

/**
 * Parses `source` and hands every attachment to handleAttachment. A parser failure is returned,
 * not thrown, and the rest of the source is still read (for the raw hash, and so an outer parser
 * can go on). So is a failure of a nested message's source, which is a broken part of the outer
 * message. A failure of the top-level source or of the sink is thrown, after stopping both streams.
 */
export async function parseMessage(
  source: Readable,
  depth: number,
  ctx: ExtractContext,
  onChunk?: (chunk: Buffer) => void,
): Promise<ParsedMessage> {
  const parser = new MailParser(PARSER_OPTIONS);
  const current = watch(parser);
  const sourceFailure: { error?: unknown; failed: boolean } = { failed: false };
  const feeding = feed(source, parser, onChunk).catch((error: unknown) => {
    Object.assign(sourceFailure, { error, failed: true });
    parser.destroy();
  });
  const items: AsyncIterator<AttachmentStream | MessageText> = parser[Symbol.asyncIterator]();
  let error: string | null = null;
  try {
    for (;;) {
      let next: IteratorResult<AttachmentStream | MessageText>;
      try {
        next = await items.next();
      } catch (err) {
        error = describe(err);
        break;
      }
      if (next.done) break;
      if (next.value.type !== 'attachment') continue;
      current.part = next.value;
      await handleAttachment(next.value, { depth, parser, ctx }, (inner) =>
        parseMessage(inner, depth + 1, ctx),
      );
      current.part = null;
    }
  } catch (err) {
    source.destroy();
    parser.destroy();
    await feeding;
    throw err;
  }
  await feeding;
  if (sourceFailure.failed && depth === 0) throw sourceFailure.error;
  return { parser, error: sourceFailure.failed ? describe(sourceFailure.error) : error };
}

/**
 * When mailparser fails it stops processing, and the attachment being read would never end: the
 * handler (and the sink) would wait forever. Ending that attachment with an error turns the hang
 * into a broken part. mailparser also emits late errors with emit('error'), which would crash the
 * process without a listener.
 */
function watch(parser: MailParser): { part: AttachmentStream | null } {
  const current: { part: AttachmentStream | null } = { part: null };
  const abort = (why: string) => {
    const content = current.part?.content;
    if (content && !content.readableEnded && !content.destroyed) content.destroy(new Error(why));
  };
  parser.on('error', (err: unknown) => abort(`the MIME parser stopped: ${describe(err)}`));
  parser.on('close', () => abort('the MIME parser stopped'));
  return current;
}

/** Writes the source into the parser with backpressure; once the parser is gone, reads on and discards. */
async function feed(source: Readable, parser: MailParser, onChunk?: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of source as AsyncIterable<unknown>) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string | Uint8Array);
    onChunk?.(buf);
    if (parser.writable && !parser.write(buf)) await drained(parser);
  }
  if (parser.writable) parser.end();
}

/** Resolves on 'drain', or when the stream can no longer drain. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    stream.on('drain', done).on('close', done).on('error', done);
    if (stream.destroyed) done();
  });
}

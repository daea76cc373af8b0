import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DocumentInfo, DocumentType } from '../../../shared/run.js';
import type { ExtractContext } from './deliver-document.js';
import { hasHeaderFields, messageHeaders } from './message-headers.js';
import { parseMessage } from './parse-message.js';

/**
 * DESIGN.md §3 step 3: the invoice documents of one raw e-mail, streamed to a sink one by one.
 * What is a document is decided by the bytes (sniff.ts); body images are excluded by structure
 * (attachment.ts); forwarded messages are searched to `maxDepth`; winmail.dat is unpacked (tnef.ts).
 */

export interface FoundDocument {
  /** Decoded and sanitised (filename.ts), unique within the mail, with an extension that fits `type`. */
  filename: string;
  /** Sniffed from the bytes, not the declared type. */
  type: DocumentType;
  /** Content-Type as declared (lower-cased, without parameters). */
  declaredType: string;
  /**
   * The decoded bytes, head included, with backpressure. The sink must consume it fully (what it
   * leaves is discarded). When the stream errors, the part is broken: the sink must drop what it
   * wrote and reject; the extractor then records a warning, not a failure.
   */
  content: Readable;
}

export type DocumentSink = (doc: FoundDocument) => Promise<{ size: number; sha256: string }>;

export interface ExtractResult {
  /** In order found (depth first), with size and sha256 from the sink. */
  documents: DocumentInfo[];
  /** SHA-256 (hex) of the raw message bytes as read. */
  rawSha256: string;
  rawSize: number;
  messageId: string | null;
  subject: string | null;
  from: string | null;
  date: string | null;
  /** Set when the MIME could not be parsed at all (→ the pipeline records `unparseable`). */
  unparseable: string | null;
  /**
   * Problems that did not stop the extraction, in words: a forwarded message nested too deep, a
   * part that could not be decoded, a parser failure after documents had been found. For the log.
   */
  warnings: string[];
}

export const DEFAULT_MAX_DEPTH = 3;

/**
 * Reads `raw` to its end once. Malformed MIME is never thrown: what can be found is delivered, and
 * `unparseable` says why when nothing could be read. Thrown are only a failure of `raw` itself and
 * a failure of the sink (as they came); both stop the extraction and destroy `raw`.
 */
export async function extractDocuments(
  raw: Readable,
  sink: DocumentSink,
  opts: { maxDepth?: number } = {},
): Promise<ExtractResult> {
  const ctx: ExtractContext = {
    sink,
    maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH,
    documents: [],
    warnings: [],
    taken: new Set(),
  };
  const hash = createHash('sha256');
  let rawSize = 0;
  const { parser, error } = await parseMessage(raw, 0, ctx, (chunk) => {
    hash.update(chunk);
    rawSize += chunk.length;
  });
  let unparseable: string | null = null;
  if (rawSize === 0) unparseable = 'the message is empty';
  else if (error && ctx.documents.length === 0)
    unparseable = `the MIME structure could not be parsed: ${error}`;
  else if (ctx.documents.length === 0 && !hasHeaderFields(parser))
    unparseable = 'the message has no header fields, it is not an e-mail';
  else if (error) ctx.warnings.push(`parsing stopped after the documents found: ${error}`);
  return {
    documents: ctx.documents,
    rawSha256: hash.digest('hex'),
    rawSize,
    ...messageHeaders(parser),
    unparseable,
    warnings: ctx.warnings,
  };
}

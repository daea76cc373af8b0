import type { Readable } from 'node:stream';
import type { DocumentInfo, DocumentType } from '../../../shared/run.js';
import type { DocumentSink } from './extract-documents.js';
import { sanitiseFilename, uniqueFilename } from './filename.js';

/** What one extraction run has found so far; shared by all nesting levels of one mail. */
export interface ExtractContext {
  sink: DocumentSink;
  maxDepth: number;
  documents: DocumentInfo[];
  /** Problems that did not stop the extraction, in words (a part not searched, a part unreadable). */
  warnings: string[];
  /** Lower-cased file names already given out in this mail. */
  taken: Set<string>;
}

export interface Candidate {
  name: string | null | undefined;
  type: DocumentType;
  declaredType: string;
  content: Readable;
}

/**
 * Names the document and hands it to the sink. A sink failure is thrown (the pipeline decides what
 * a failed delivery means); a failure of the content itself, reported by `sourceError`, is a broken
 * part of the mail and only becomes a warning.
 */
export async function deliverDocument(ctx: ExtractContext, doc: Candidate, sourceError?: () => unknown) {
  const filename = uniqueFilename(sanitiseFilename(doc.name, doc.type, ctx.documents.length + 1), ctx.taken);
  try {
    const { size, sha256 } = await ctx.sink({
      filename,
      type: doc.type,
      declaredType: doc.declaredType,
      content: doc.content,
    });
    ctx.documents.push({ filename, type: doc.type, size, sha256 });
  } catch (err) {
    const broken = sourceError?.();
    if (broken === undefined) throw err;
    ctx.taken.delete(filename.toLowerCase());
    ctx.warnings.push(`${filename} could not be decoded: ${describe(broken)}`);
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

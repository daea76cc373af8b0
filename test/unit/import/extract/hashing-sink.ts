import { createHash } from 'node:crypto';
import type { DocumentSink, FoundDocument } from '../../../../relay/import/extract/extract-documents.js';

export interface Received {
  doc: Omit<FoundDocument, 'content'>;
  size: number;
  sha256: string;
  chunks: number;
}

/** A sink like the real ones: reads every document to its end and hashes it. */
export function hashingSink(onChunk?: (chunk: Buffer, doc: FoundDocument) => void | Promise<void>) {
  const received: Received[] = [];
  const sink: DocumentSink = async (doc) => {
    const hash = createHash('sha256');
    let size = 0;
    let chunks = 0;
    for await (const chunk of doc.content as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      chunks++;
      await onChunk?.(chunk, doc);
    }
    const { content: _content, ...rest } = doc;
    const sha256 = hash.digest('hex');
    received.push({ doc: rest, size, sha256, chunks });
    return { size, sha256 };
  };
  return { sink, received };
}

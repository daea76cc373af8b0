import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { extractDocuments } from '../../../../relay/import/extract/extract-documents.js';
import { corpus, sha256 } from '../../../fixtures/corpus.js';
import { hashingSink } from './hashing-sink.js';

/** Feeds the raw mail in pieces of 1 KB, as a download would, so no test depends on one big chunk. */
function streamOf(raw: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < raw.length; i += 1024) pieces.push(raw.subarray(i, i + 1024));
  return Readable.from(pieces, { objectMode: false });
}

describe('extractDocuments over the corpus', () => {
  it('has the corpus entries the pipeline relies on, with unique names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.map((e) => e.name)).size).toBe(corpus.length);
  });

  for (const entry of corpus) {
    it(entry.name, async () => {
      const raw = await entry.build();
      const { sink, received } = hashingSink();
      const result = await extractDocuments(streamOf(raw), sink);

      expect(result.rawSize).toBe(raw.length);
      expect(result.rawSha256).toBe(sha256(raw));
      expect(result.unparseable !== null).toBe(entry.expect.unparseable ?? false);
      expect(result.documents).toHaveLength(entry.expect.documents);
      // What the result says is what the sink got, in order.
      expect(result.documents).toEqual(
        received.map((r) => ({ filename: r.doc.filename, type: r.doc.type, size: r.size, sha256: r.sha256 })),
      );
      if (entry.expect.types) expect(result.documents.map((d) => d.type)).toEqual(entry.expect.types);
      if (entry.expect.filenames)
        expect(result.documents.map((d) => d.filename)).toEqual(entry.expect.filenames);
      if (entry.expect.sha256) expect(result.documents.map((d) => d.sha256)).toEqual(entry.expect.sha256);
    });
  }
});

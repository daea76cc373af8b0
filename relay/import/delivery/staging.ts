import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DocumentType } from '../../../shared/run.js';
import type { DocumentSink, FoundDocument } from '../extract/extract-documents.js';

export interface StagedDocument {
  filename: string;
  type: DocumentType;
  path: string;
  size: number;
  sha256: string;
}

/** Documents of one mail streamed to disk as they are extracted, so memory stays bounded. */
export class StagedMail {
  readonly documents: StagedDocument[] = [];
  private readonly names = new Set<string>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  static create(stagingRoot: string): StagedMail {
    return new StagedMail(join(stagingRoot, `${Date.now()}-${randomBytes(6).toString('hex')}`));
  }

  /** Two attachments named alike stay two files: "a.pdf", "a (2).pdf". */
  private uniqueName(name: string) {
    let candidate = name;
    for (let n = 2; this.names.has(candidate.toLowerCase()); n++)
      candidate = name.replace(/(\.[^.]*)?$/, (ext) => ` (${n})${ext}`);
    this.names.add(candidate.toLowerCase());
    return candidate;
  }

  readonly sink: DocumentSink = async (doc: FoundDocument) => {
    const filename = this.uniqueName(doc.filename);
    const path = join(this.dir, filename);
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(doc.content, measure, createWriteStream(path, { mode: 0o600 }));
    } catch (e) {
      // A part that broke mid-way leaves nothing behind to be delivered as if it were whole.
      rmSync(path, { force: true });
      this.names.delete(filename.toLowerCase());
      throw e;
    }
    const sha256 = hash.digest('hex');
    this.documents.push({ filename, type: doc.type, path, size, sha256 });
    return { size, sha256 };
  };

  discard(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

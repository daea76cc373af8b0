import { Readable } from 'node:stream';

/**
 * A stream whose first bytes have been read to decide what it is. The rest stays in the source
 * and is pulled on demand, so a 25 MB attachment is never held in memory: only `head` is.
 */
export interface PeekedStream {
  readonly head: Buffer;
  /** The whole content again (head + rest) with the source's backpressure; call at most once. */
  whole(): Readable;
  /** Reads and discards whatever nobody read, so the parser behind the source can go on. */
  drain(): Promise<void>;
  /** The error the source failed with while `whole()` was read, as opposed to the reader's own. */
  readonly sourceError: unknown;
}

export async function peekStream(source: Readable, bytes: number): Promise<PeekedStream> {
  // A hand-driven iterator, not for-await: leaving a for-await loop would destroy the source.
  const it: AsyncIterator<unknown> = source[Symbol.asyncIterator]();
  let done = false;
  let sourceError: unknown;
  const next = async (): Promise<Buffer | null> => {
    if (done) return null;
    try {
      const r = await it.next();
      if (r.done) done = true;
      return r.done ? null : toBuffer(r.value);
    } catch (err) {
      done = true;
      sourceError = err;
      throw err;
    }
  };
  const chunks: Buffer[] = [];
  let size = 0;
  for (let chunk = size < bytes ? await next() : null; chunk; chunk = size < bytes ? await next() : null) {
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks, size);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (let chunk = await next(); chunk; chunk = await next()) yield chunk;
  }
  return {
    head,
    whole: () => Readable.from(rest(), { objectMode: false }),
    drain: async () => {
      try {
        while (await next());
      } catch {
        // already recorded in sourceError; the parser reports its own failure
      }
    },
    get sourceError() {
      return sourceError;
    },
  };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('expected a byte stream');
}

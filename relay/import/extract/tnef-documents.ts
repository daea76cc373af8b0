import { Readable } from 'node:stream';
import type { DocumentType } from '../../../shared/run.js';
import { deliverDocument, describe, type ExtractContext } from './deliver-document.js';
import type { PeekedStream } from './peek-stream.js';
import { sniffType, SNIFF_BYTES } from './sniff.js';
import { readTnef } from './tnef.js';

/**
 * TNEF keeps an attachment's long name after its bytes, so a winmail.dat is read whole before it
 * is unpacked. That is the one place the extractor holds a part in memory, hence the cap.
 */
export const TNEF_MAX_BYTES = 32 * 1024 * 1024;
const IMAGE_TYPES: ReadonlySet<DocumentType> = new Set(['png', 'jpeg', 'tiff']);
const CHUNK = 64 * 1024;

export async function deliverTnef(peeked: PeekedStream, ctx: ExtractContext): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of peeked.whole() as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > TNEF_MAX_BYTES) {
        ctx.warnings.push(`a winmail.dat larger than ${TNEF_MAX_BYTES / 1024 / 1024} MB was not unpacked`);
        return;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    ctx.warnings.push(`a winmail.dat could not be decoded: ${describe(err)}`);
    return;
  }
  const { files, problem } = readTnef(Buffer.concat(chunks, size));
  if (problem) ctx.warnings.push(`winmail.dat: ${problem}`);
  for (const file of files) {
    const type = sniffType(file.data.subarray(0, SNIFF_BYTES));
    if (!type || (IMAGE_TYPES.has(type) && file.embedded)) continue;
    const content = Readable.from(slices(file.data), { objectMode: false });
    await deliverDocument(ctx, {
      name: file.name,
      type,
      declaredType: file.mimeType ?? 'application/octet-stream',
      content,
    });
  }
}

function* slices(data: Buffer): Generator<Buffer> {
  for (let i = 0; i < data.length; i += CHUNK) yield data.subarray(i, i + CHUNK);
}

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as nextTick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { extractDocuments } from '../../../../relay/import/extract/extract-documents.js';
import { hashingSink } from './hashing-sink.js';

const MB = 1024 * 1024;
const PDF_SIZE = 25 * MB;

/** global.gc, exposed at run time when the test runner did not start Node with --expose-gc. */
function gc(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

/**
 * A mail with a 25 MB PDF attachment, generated while it is read, so that the test itself holds
 * neither the PDF nor the raw mail and any growth in memory is the extractor's.
 */
function bigPdfMail(progress: { rawRead: number }, pdfHash: ReturnType<typeof createHash>): Readable {
  const BLOCK = 57 * 1024; // a multiple of 57 bytes = 76 base64 characters, so the lines stay whole
  function* generate(): Generator<Buffer> {
    yield Buffer.from(
      'From: Big Scanner <scanner@buyer.example>\r\nTo: invoices@buyer.example\r\nSubject: big scan\r\n' +
        'Message-ID: <big@corpus.test>\r\nDate: Tue, 05 Mar 2024 10:30:00 +0100\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nScan attached.\r\n' +
        '--b\r\nContent-Type: application/pdf; name="scan.pdf"\r\nContent-Disposition: attachment; filename="scan.pdf"\r\n' +
        'Content-Transfer-Encoding: base64\r\n\r\n',
    );
    const line = Buffer.from('% padding line of the big scan 0123456789 abcdefghijklmnopqrstuvwxyz\n');
    for (let written = 0; written < PDF_SIZE; written += BLOCK) {
      const block = Buffer.alloc(Math.min(BLOCK, PDF_SIZE - written), line);
      if (written === 0) block.write('%PDF-1.7\n');
      pdfHash.update(block);
      const b64 = block.toString('base64').replace(/.{76}/g, '$&\r\n');
      yield Buffer.from(b64.endsWith('\n') ? b64 : `${b64}\r\n`);
    }
    yield Buffer.from('--b--\r\n');
  }
  return Readable.from(
    (function* () {
      for (const chunk of generate()) {
        progress.rawRead += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

describe('extractDocuments streaming', () => {
  it('streams a 25 MB PDF to a slow sink in many chunks with flat memory', { timeout: 60_000 }, async () => {
    const collect = gc();
    const progress = { rawRead: 0 };
    const pdfHash = createHash('sha256');
    const raw = bigPdfMail(progress, pdfHash);
    collect?.();
    const base = process.memoryUsage();
    const samples: number[] = [];
    let maxLead = 0;
    let delivered = 0;
    let n = 0;
    const { sink, received } = hashingSink(async (chunk) => {
      delivered += chunk.length;
      // Raw bytes read ahead of what the sink has taken (base64 is 4/3 of the bytes it carries).
      maxLead = Math.max(maxLead, progress.rawRead - (delivered * 4) / 3);
      if (++n % 32 === 0) {
        await nextTick(); // a sink slower than the parser: only backpressure keeps memory flat
        if (collect && n % 64 === 0) {
          // Live memory after a full collection: garbage not yet collected is not growth.
          collect();
          const now = process.memoryUsage();
          samples.push(now.heapUsed + now.arrayBuffers - base.heapUsed - base.arrayBuffers);
        }
      }
    });

    const result = await extractDocuments(raw, sink);

    expect(result.documents).toEqual([
      { filename: 'scan.pdf', type: 'pdf', size: PDF_SIZE, sha256: pdfHash.digest('hex') },
    ]);
    expect(result.rawSize).toBe(progress.rawRead);
    expect(received[0]?.chunks).toBeGreaterThan(100);
    expect(maxLead).toBeLessThan(4 * MB);
    // The median of the samples, as one sample may catch a collection whose freeing of buffers is
    // still under way; buffering the attachment would raise every later sample past 25 MB.
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const mb = (n: number) => (n / MB).toFixed(1);
    console.log(
      `25 MB PDF: ${received[0]?.chunks} chunks, raw read ahead ≤ ${mb(maxLead)} MB, ` +
        (collect ? `live memory growth ${samples.map(mb).join(' ')} MB` : 'no gc, memory not measured'),
    );
    if (collect) {
      expect(samples.length).toBeGreaterThan(3);
      expect(median).toBeLessThan(8 * MB);
      expect(Math.max(...samples)).toBeLessThan(PDF_SIZE);
    }
  });
});

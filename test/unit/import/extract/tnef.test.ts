import { describe, expect, it } from 'vitest';
import { readTnef } from '../../../../relay/import/extract/tnef.js';
import { readAttachProps } from '../../../../relay/import/extract/tnef-props.js';
import { junkBytes, pdfBytes, pngBytes, tnefBytes } from '../../../fixtures/corpus.js';

const pdf = pdfBytes(3000, 'tnef');

describe('readTnef', () => {
  it('returns each file with its long name, MIME type and exact bytes', () => {
    const { files, problem } = readTnef(
      tnefBytes([
        { title: 'RECHNU~1.PDF', longName: 'Rechnung März 2024.pdf', mimeType: 'application/pdf', data: pdf },
        { title: 'SCAN.PNG', data: pngBytes() },
      ]),
    );
    expect(problem).toBe(null);
    expect(files).toEqual([
      { name: 'Rechnung März 2024.pdf', mimeType: 'application/pdf', embedded: false, data: pdf },
      { name: 'SCAN.PNG', mimeType: null, embedded: false, data: pngBytes() },
    ]);
  });

  it('falls back to the 8.3 title when there are no MAPI properties', () => {
    const { files } = readTnef(tnefBytes([{ title: 'INVOICE.PDF', data: pdf, noProps: true }]));
    expect(files.map((f) => f.name)).toEqual(['INVOICE.PDF']);
  });

  it('decodes the title in the sender code page', () => {
    const { files } = readTnef(tnefBytes([{ title: 'März.pdf', data: pdf, noProps: true }]));
    expect(files[0]?.name).toBe('März.pdf');
  });

  it('marks hidden body images and leaves out embedded messages', () => {
    const { files } = readTnef(
      tnefBytes([
        { title: 'image001.png', data: pngBytes(), hidden: true },
        { title: 'FWD.MSG', data: Buffer.from('embedded'), method: 5 },
      ]),
    );
    expect(files).toHaveLength(1);
    expect(files[0]?.embedded).toBe(true);
  });

  it('keeps what was read before a truncation and says why it stopped', () => {
    const whole = tnefBytes([
      { title: 'A.PDF', data: pdf },
      { title: 'B.PDF', data: pdfBytes(3000, 'b') },
    ]);
    const { files, problem } = readTnef(whole.subarray(0, whole.length - 2000));
    expect(files.map((f) => f.name)).toEqual(['A.PDF']);
    expect(problem).toMatch(/ends inside/);
  });

  it('refuses what is not TNEF', () => {
    expect(readTnef(pdf)).toEqual({ files: [], problem: 'not a TNEF stream' });
    expect(readTnef(Buffer.alloc(3))).toEqual({ files: [], problem: 'not a TNEF stream' });
  });

  it('never throws on damaged streams', () => {
    const whole = tnefBytes([
      { title: 'A.PDF', longName: 'Long name.pdf', mimeType: 'application/pdf', data: pdf },
    ]);
    for (let seed = 1; seed <= 300; seed++) {
      const damaged = Buffer.from(whole);
      const noise = junkBytes(8, seed);
      // Overwrite 8 bytes somewhere after the signature, and cut the end off now and then.
      noise.copy(damaged, 6 + (noise.readUInt32LE(0) % (damaged.length - 14)));
      const cut = seed % 3 === 0 ? damaged.subarray(0, damaged.length - (seed % 200)) : damaged;
      expect(() => readTnef(cut)).not.toThrow();
    }
  });
});

describe('readAttachProps', () => {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const decode8 = (b: Buffer) => b.toString('latin1');

  it('ends a list with a forged value count instead of looping', () => {
    const multiInt = Buffer.concat([u32(1), Buffer.from([0x03, 0x10, 0x05, 0x37]), u32(0xffffffff)]);
    const multiNull = Buffer.concat([u32(1), Buffer.from([0x01, 0x10, 0x05, 0x37]), u32(0xffffffff)]);
    const manyProps = u32(0xffffffff);
    for (const list of [multiInt, multiNull, manyProps]) expect(readAttachProps(list, decode8)).toEqual({});
  });

  it('keeps the properties read before an unknown type', () => {
    const name = Buffer.from('a.pdf\0\0\0', 'latin1');
    const list = Buffer.concat([
      u32(2),
      Buffer.from([0x1e, 0x00, 0x07, 0x37]),
      u32(1),
      u32(6),
      name,
      Buffer.from([0x99, 0x09, 0x00, 0x40]),
    ]);
    expect(readAttachProps(list, decode8)).toEqual({ longName: 'a.pdf' });
  });
});

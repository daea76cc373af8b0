import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { extractDocuments, type DocumentSink } from '../../../../relay/import/extract/extract-documents.js';
import { RelayError } from '../../../../relay/errors.js';
import {
  base64Lines,
  buildMail,
  corpus,
  forwardMail,
  pdfBytes,
  rawMultipart,
  textPart,
  tnefBytes,
} from '../../../fixtures/corpus.js';
import { hashingSink } from './hashing-sink.js';

const once = (raw: Buffer) => Readable.from([raw], { objectMode: false });
const pdfPart = (name: string, size = 4096) => ({
  headers: [
    'Content-Type: application/pdf',
    `Content-Disposition: attachment; filename="${name}"`,
    'Content-Transfer-Encoding: base64',
  ],
  body: base64Lines(pdfBytes(size, name)),
});

describe('extractDocuments: header facts', () => {
  it('reads Message-ID, decoded Subject, From as "Name <address>" and Date as ISO', async () => {
    const raw = rawMultipart({
      headers: [
        'From: =?UTF-8?Q?M=C3=BCller_GmbH?= <buchhaltung@mueller.example>',
        'Subject: =?UTF-8?B?UmVjaG51bmcgTcOkcno=?=',
        'Message-ID: <abc.123@mueller.example>',
        'Date: Tue, 5 Mar 2024 10:30:00 +0100 (CET)',
      ],
      parts: [textPart()],
    });
    const result = await extractDocuments(once(raw), hashingSink().sink);
    expect(result).toMatchObject({
      messageId: '<abc.123@mueller.example>',
      subject: 'Rechnung März',
      from: 'Müller GmbH <buchhaltung@mueller.example>',
      date: '2024-03-05T09:30:00.000Z',
      unparseable: null,
    });
  });

  it('gives null for missing headers and an unreadable date, never the current time', async () => {
    const raw = Buffer.from('Date: sometime last week\r\nX-Other: 1\r\n\r\nbody\r\n');
    const result = await extractDocuments(once(raw), hashingSink().sink);
    expect(result).toMatchObject({
      messageId: null,
      subject: null,
      from: null,
      date: null,
      unparseable: null,
    });
  });

  it('keeps the bare address when there is no display name', async () => {
    const raw = await buildMail({ from: 'billing@supplier.example' });
    expect((await extractDocuments(once(raw), hashingSink().sink)).from).toBe('billing@supplier.example');
  });
});

describe('extractDocuments: depth', () => {
  it('searches as deep as maxDepth says', async () => {
    let mail = await buildMail({ attachments: [{ filename: 'deep.pdf', content: pdfBytes() }] });
    for (let i = 0; i < 4; i++) mail = await forwardMail(mail);
    expect((await extractDocuments(once(mail), hashingSink().sink, { maxDepth: 4 })).documents).toHaveLength(
      1,
    );
    const shallow = await extractDocuments(once(mail), hashingSink().sink, { maxDepth: 0 });
    expect(shallow.documents).toHaveLength(0);
    expect(shallow.warnings).toEqual(['a forwarded message nested deeper than 0 levels was not searched']);
  });
});

describe('extractDocuments: winmail.dat', () => {
  it('goes by the TNEF signature, not the declared type', async () => {
    const part = (content: Buffer, filename: string) => ({
      filename,
      content,
      contentType: 'application/ms-tnef',
    });
    const tnef = tnefBytes([{ title: 'R.PDF', longName: 'Rechnung.pdf', data: pdfBytes(2000, 't') }]);
    const raw = await buildMail({
      attachments: [
        part(tnef, 'winmail.dat'),
        part(pdfBytes(2000, 'p'), 'invoice'),
        part(Buffer.from('junk'), 'x.dat'),
      ],
    });
    const result = await extractDocuments(once(raw), hashingSink().sink);
    expect(result.documents.map((d) => d.filename)).toEqual(['Rechnung.pdf', 'invoice.pdf']);
    expect(result.warnings).toEqual(['a part declared as winmail.dat is not TNEF']);
  });
});

describe('extractDocuments: failures', () => {
  const twoPdfs = () => rawMultipart({ parts: [textPart(), pdfPart('a.pdf', 200_000), pdfPart('b.pdf')] });

  it('throws the sink failure as it came and stops reading the raw stream', async () => {
    const raw = once(await twoPdfs());
    const failure = new RelayError('delivery', 'target down');
    const sink: DocumentSink = async () => {
      throw failure;
    };
    await expect(extractDocuments(raw, sink)).rejects.toBe(failure);
    expect(raw.destroyed).toBe(true);
  });

  it('throws the failure of the raw stream, also in the middle of a document', async () => {
    const bytes = await twoPdfs();
    const broken = new Error('connection reset');
    const raw = new Readable({ read() {} });
    raw.push(bytes.subarray(0, 100_000));
    setTimeout(() => raw.destroy(broken), 20);
    await expect(extractDocuments(raw, hashingSink().sink)).rejects.toBe(broken);
  });

  it('goes on when a sink leaves part of a document unread', async () => {
    const lazy: DocumentSink = async (doc) => {
      for await (const _ of doc.content) return { size: 0, sha256: 'partial' };
      return { size: 0, sha256: 'empty' };
    };
    const result = await extractDocuments(once(await twoPdfs()), lazy);
    expect(result.documents.map((d) => d.filename)).toEqual(['a.pdf', 'b.pdf']);
  });

  it('reports a MIME structure the parser gives up on as unparseable, or as a warning after documents', async () => {
    const hugeHeader = Array.from({ length: 1100 }, (_, i) => `X-H${i}: ${'a'.repeat(1000)}`).join('\r\n');
    const before = rawMultipart({
      parts: [{ headers: ['Content-Type: text/plain', hugeHeader], body: 'x' }, pdfPart('a.pdf')],
    });
    const first = await extractDocuments(once(before), hashingSink().sink);
    expect(first.unparseable).toMatch(/^the MIME structure could not be parsed: Max header size/);
    expect(first.rawSize).toBe(before.length);

    const after = rawMultipart({
      parts: [pdfPart('a.pdf'), { headers: ['Content-Type: text/plain', hugeHeader], body: 'x' }],
    });
    const second = await extractDocuments(once(after), hashingSink().sink);
    expect(second.documents.map((d) => d.filename)).toEqual(['a.pdf']);
    expect(second.unparseable).toBe(null);
    expect(second.warnings).toEqual([expect.stringMatching(/^parsing stopped after the documents found/)]);
  });

  it('never throws on damaged copies of the corpus mails', { timeout: 60_000 }, async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const entry of corpus) {
      const raw = await entry.build();
      if (raw.length < 10) continue;
      for (let i = 0; i < 6; i++) {
        const damaged = Buffer.from(raw.subarray(0, i % 2 ? raw.length : 1 + random(raw.length)));
        for (let k = 0; k < 1 + random(20); k++) damaged[random(damaged.length)] = random(256);
        const result = await extractDocuments(once(damaged), hashingSink().sink);
        expect(result.rawSize).toBe(damaged.length);
      }
    }
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  key: string;
  metadata: Record<string, unknown>;
  documents: { name: string; size: number; bytes: Buffer }[];
}

/**
 * A real HTTP delivery target: parses each multipart POST, answers with the next status queued
 * (200 once the queue is empty), and keeps what it accepted by Idempotency-Key, as a receiving
 * system honouring that header would.
 */
export interface HttpReceiver {
  url: string;
  /** Every POST, whatever it was answered. */
  posts: { key: string; status: number }[];
  /** Accepted deliveries by Idempotency-Key. */
  accepted: Map<string, Received>;
  answer(...statuses: number[]): void;
  close(): Promise<void>;
}

async function parse(req: IncomingMessage): Promise<Received> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const form = await new Request('http://x/', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body: Buffer.concat(chunks),
  }).formData();
  const metadata = JSON.parse(await (form.get('metadata') as Blob).text()) as Record<string, unknown>;
  const documents = await Promise.all(
    form.getAll('document').map(async (f) => {
      const file = f as File;
      const bytes = Buffer.from(await file.arrayBuffer());
      return { name: file.name, size: bytes.length, bytes };
    }),
  );
  return { key: String(req.headers['idempotency-key'] ?? ''), metadata, documents };
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const queue: number[] = [];
  const posts: HttpReceiver['posts'] = [];
  const accepted = new Map<string, Received>();
  const server: Server = createServer((req, res) => {
    parse(req)
      .then((got) => {
        const status = queue.shift() ?? 200;
        posts.push({ key: got.key, status });
        if (status >= 200 && status < 300) accepted.set(got.key, got);
        res
          .writeHead(status, { 'content-type': 'text/plain' })
          .end(status === 422 ? 'invoice already booked' : 'ok');
      })
      .catch((e: Error) => res.writeHead(400).end(e.message));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/invoices`,
    posts,
    accepted,
    answer: (...s) => queue.push(...s),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

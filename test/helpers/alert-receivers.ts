/**
 * Real receivers for alerts on loopback: a webhook (HTTP server keeping every JSON POST) and an SMTP
 * server (smtp-server, the library nodemailer's authors keep) keeping every message it accepts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface WebhookReceiver {
  url: string;
  calls: { authorization: string | undefined; body: { event: string; alert: Record<string, unknown> } }[];
  /** Answers these statuses first (then 200), to make the relay retry. */
  fail(...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const calls: WebhookReceiver['calls'] = [];
  const queue: number[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString('utf8')));
    req.on('end', () => {
      const status = queue.shift() ?? 200;
      if (status === 200) calls.push({ authorization: req.headers.authorization, body: JSON.parse(text) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    calls,
    fail: (...s) => queue.push(...s),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface SmtpReceiver {
  url: string;
  mails: { to: string; from: string; subject: string; text: string }[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: SmtpReceiver['mails'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((m) => {
          mails.push({
            to: Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? ''),
            from: m.from?.text ?? '',
            subject: m.subject ?? '',
            text: m.text ?? '',
          });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((r) => server.close(() => r())) };
}

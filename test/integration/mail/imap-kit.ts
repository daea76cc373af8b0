/** Shared pieces of the IMAP driver's integration tests (test/integration/mail/imap-*.test.ts). */
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import { RelayError } from '../../../relay/errors.js';
import type { ConnectTarget, MailboxDriver, MailboxSession } from '../../../relay/mail/driver.js';
import { parseAllowList } from '../../../relay/mail/net-guard.js';
import type { Dovecot } from '../../helpers/dovecot.js';

/** Dovecot listens on loopback, which the SSRF guard blocks unless allowed. */
export const allow = parseAllowList(['127.0.0.1']);

/** A small RFC 5322 mail with a Unicode display name; `extra` is appended to the body. */
export function mail(n: number, extra = ''): string {
  return [
    'From: "Rechnungsstelle Müller" <rechnung@example.com>',
    'To: alice@example.com',
    `Subject: Rechnung ${n}`,
    `Message-ID: <invoice-${n}@example.com>`,
    'Date: Tue, 04 Mar 2025 10:15:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Invoice number ${n}.${extra}`,
    '',
  ].join('\r\n');
}

export const target = (
  d: Dovecot,
  over: Partial<ConnectTarget['imap']> = {},
  password = 'alice-secret',
): ConnectTarget => ({
  imap: { host: '127.0.0.1', port: d.imapsPort, security: 'tls', ...over },
  username: 'alice',
  credentials: { type: 'password', password },
});

/** The RelayError `promise` rejects with. */
export async function failure(promise: Promise<unknown>): Promise<RelayError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelayError);
  return err as RelayError;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function withSession<T>(
  driver: MailboxDriver,
  t: ConnectTarget,
  fn: (s: MailboxSession) => Promise<T>,
) {
  const session = await driver.open(t);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

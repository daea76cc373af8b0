import type { AddressObject, EmailAddress, MailParser } from 'mailparser';

/** The top-level header facts the ledger and the run log keep. */
export interface MessageHeaders {
  messageId: string | null;
  subject: string | null;
  /** "Name <address>", or just the address; several From mailboxes (RFC 5322 §3.6.2) joined by ", ". */
  from: string | null;
  /** ISO 8601 in UTC, or null when missing or not a date. */
  date: string | null;
}

export function messageHeaders(parser: MailParser): MessageHeaders {
  return {
    messageId: typeof parser.messageId === 'string' && parser.messageId ? parser.messageId : null,
    subject: typeof parser.subject === 'string' ? parser.subject : null,
    from: formatFrom(parser.from),
    date: parseDate(rawHeader(parser, 'date')),
  };
}

/**
 * Whether the top-level header block looks like one: at least one well-formed field (RFC 5322
 * §2.2: a name of printable ASCII without ":", then ":"; §4.5 allows blanks before the colon) and
 * no control characters, which no field may hold (§2.2, RFC 6532 §3.2 adds only UTF-8). Binary
 * junk or a bare file fails this; the parser would read it as a header-less text body.
 */
export function hasHeaderFields(parser: MailParser): boolean {
  const lines = (parser.headerLines || []).map((h) => h.line);
  return (
    lines.some((line) => /^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(line)) &&
    !lines.some((line) => /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(line))
  );
}

function formatFrom(from: AddressObject | undefined): string | null {
  const mailboxes = (from?.value ?? []).flatMap((a: EmailAddress) => a.group ?? [a]);
  const parts = mailboxes
    .map((a) => (a.name && a.address ? `${a.name} <${a.address}>` : a.address || a.name))
    .filter((s): s is string => !!s);
  return parts.length ? parts.join(', ') : null;
}

/**
 * mailparser turns an unreadable Date into the current time; the raw field is read instead so that
 * a broken date stays null rather than a made-up one.
 */
function rawHeader(parser: MailParser, key: string): string | null {
  const line = (parser.headerLines || []).find((h) => h.key === key)?.line;
  return line
    ? line
        .slice(line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]/g, ' ')
        .trim()
    : null;
}

function parseDate(value: string | null): string | null {
  if (!value) return null;
  // RFC 5322 §3.3 allows comments, e.g. "+0200 (CEST)", which Date.parse does not expect.
  const time = Date.parse(value.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

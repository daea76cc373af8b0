import { z } from 'zod';

export const Provider = z.enum(['imap', 'microsoft', 'google']);
export type Provider = z.infer<typeof Provider>;

export const Security = z.enum(['tls', 'starttls', 'none']);
export type Security = z.infer<typeof Security>;

// A DNS name (RFC 1123 labels) or an IPv4/IPv6 literal; 253 is the longest DNS name (RFC 1035 §2.3.4).
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

export const Host = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .transform((v) => v.replace(/^\[(.*)\]$/, '$1'))
  .refine((v) => HOST.test(v) || (v.includes(':') && IPV6.test(v)), 'must be a host name or an IP address');

export const Port = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

export const ImapSettings = z.strictObject({
  host: Host,
  port: Port,
  security: Security,
});
export type ImapSettings = z.infer<typeof ImapSettings>;

/** "possibly prefilled with a default" (seed page): what the form and the relay fill in. */
export const PROVIDER_DEFAULTS: Record<Provider, ImapSettings> = {
  imap: { host: '', port: 993, security: 'tls' },
  microsoft: { host: 'outlook.office365.com', port: 993, security: 'tls' },
  google: { host: 'imap.gmail.com', port: 993, security: 'tls' },
};

export const DEFAULT_PORTS: Record<Security, number> = { tls: 993, starttls: 143, none: 143 };

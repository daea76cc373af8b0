import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../relay/errors.js';
import {
  blockReason,
  isAllowListed,
  parseAllowList,
  resolveMailHost,
  type LookupAll,
} from '../../../relay/mail/net-guard.js';

/** A resolver that answers from a table, and fails like getaddrinfo for unknown names. */
function fakeLookup(table: Record<string, string[]>): LookupAll & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

const none = parseAllowList([]);

async function refusal(promise: Promise<unknown>): Promise<RelayError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelayError);
  return err as RelayError;
}

describe('blockReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'], // carrier-grade NAT, RFC 6598
    ['100.127.255.254', 'private'],
    ['fc00::1', 'private'], // unique local, RFC 4193
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'], // deprecated site-local
    ['169.254.169.254', 'link-local'], // cloud metadata endpoint
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['0.0.0.0', 'reserved'],
    ['::', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['239.255.255.250', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['ff02::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['100::1', 'reserved'], // discard prefix
    ['::127.0.0.1', 'reserved'], // deprecated IPv4-compatible form
    ['::8.8.8.8', 'reserved'], // ipaddr.js alone would read this as IPv4-mapped 8.8.8.8
  ])('%s is %s', (address, reason) => {
    expect(blockReason(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'], // NAT64, RFC 6052
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::1', 'loopback'], // 6to4, RFC 3056
    ['2002:a9fe:a9fe::', 'link-local'],
  ])('IPv4 inside IPv6 %s is judged as the IPv4 address (%s)', (address, reason) => {
    expect(blockReason(address)).toBe(reason);
  });

  it.each([
    '93.184.216.34',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2a00:1450:4001:80b::200e',
    '::ffff:93.184.216.34',
    '64:ff9b::5db8:d822',
  ])('%s is public', (address) => {
    expect(blockReason(address)).toBeNull();
  });

  it('treats a non-canonical literal as not an address at all', () => {
    expect(blockReason('127.1')).toBe('reserved');
    expect(blockReason('0x7f.0.0.1')).toBe('reserved');
  });
});

describe('parseAllowList', () => {
  it('takes names, addresses and CIDR ranges, ignoring blanks', () => {
    const allow = parseAllowList([
      ' Mail.Example.COM. ',
      '10.0.0.0/8',
      '192.168.1.5',
      'fd00::/8',
      '[::1]',
      '',
      '  ',
    ]);
    expect([...allow.names]).toEqual(['mail.example.com']);
    expect(allow.ranges).toHaveLength(4);
    expect(isAllowListed(allow, 'mail.example.com')).toBe(true);
    expect(isAllowListed(allow, 'MAIL.example.com.')).toBe(true);
    expect(isAllowListed(allow, 'other.example.com')).toBe(false);
    expect(isAllowListed(allow, '10.200.1.1')).toBe(true);
    expect(isAllowListed(allow, '11.0.0.1')).toBe(false);
    expect(isAllowListed(allow, '192.168.1.5')).toBe(true);
    expect(isAllowListed(allow, '192.168.1.6')).toBe(false);
    expect(isAllowListed(allow, 'fd12::1')).toBe(true);
    expect(isAllowListed(allow, 'fc00::1')).toBe(false);
    expect(isAllowListed(allow, '::1')).toBe(true);
  });

  it('matches an IPv4-mapped IPv6 address against IPv4 entries', () => {
    const allow = parseAllowList(['10.0.0.0/8', '::ffff:192.168.0.1']);
    expect(isAllowListed(allow, '::ffff:10.1.1.1')).toBe(true);
    expect(isAllowListed(allow, '192.168.0.1')).toBe(true);
  });

  it.each([
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/',
    '10.0.0.0/x',
    '300.1.1.1',
    '1.2.3',
    'mail_server',
    'a b',
    '*.example.com',
    'http://mail.example.com',
    'fe80::zz',
    'host/8',
    '::ffff:10.0.0.0/104',
  ])('refuses %j with kind config', (entry) => {
    let err: unknown;
    try {
      parseAllowList([entry]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).kind).toBe('config');
    expect((err as RelayError).message).toContain('RELAY_ALLOW_HOSTS');
  });
});

describe('resolveMailHost', () => {
  it('returns the checked public address', async () => {
    const lookup = fakeLookup({ 'imap.example.com': ['93.184.216.34'] });
    await expect(resolveMailHost('imap.example.com', none, lookup)).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
    expect(lookup.calls).toEqual(['imap.example.com']);
  });

  it('prefers an IPv4 address when the name has both', async () => {
    const lookup = fakeLookup({ 'imap.example.com': ['2a00:1450:4001:80b::200e', '93.184.216.34'] });
    await expect(resolveMailHost('imap.example.com', none, lookup)).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
  });

  it('returns an IPv6 address when there is no other', async () => {
    const lookup = fakeLookup({ 'v6.example.com': ['2a00:1450:4001:80b::200e'] });
    await expect(resolveMailHost('v6.example.com', none, lookup)).resolves.toEqual({
      address: '2a00:1450:4001:80b::200e',
      family: 6,
    });
  });

  it('refuses a name pointing to loopback, with a sentence and the field', async () => {
    const err = await refusal(
      resolveMailHost('evil.example.com', none, fakeLookup({ 'evil.example.com': ['127.0.0.1'] })),
    );
    expect(err.kind).toBe('blocked_host');
    expect(err.field).toBe('imap.host');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^The mail server address is not allowed: /);
  });

  it('refuses a private network address with the private-network sentence', async () => {
    const err = await refusal(
      resolveMailHost('intranet.example.com', none, fakeLookup({ 'intranet.example.com': ['10.0.0.5'] })),
    );
    expect(err.message).toBe('The mail server address is not allowed: it points into a private network.');
  });

  it('refuses when ANY of the addresses is private (the resolver may hand out either)', async () => {
    const lookup = fakeLookup({ 'mixed.example.com': ['93.184.216.34', '192.168.0.10'] });
    expect((await refusal(resolveMailHost('mixed.example.com', none, lookup))).kind).toBe('blocked_host');
  });

  it.each([
    '::ffff:127.0.0.1',
    '::1',
    '169.254.169.254',
    '100.64.1.1',
    'fe80::1',
    'fd00::1',
    '0.0.0.0',
    '224.0.0.1',
  ])('refuses a name resolving to %s', async (address) => {
    const lookup = fakeLookup({ 'x.example.com': [address] });
    expect((await refusal(resolveMailHost('x.example.com', none, lookup))).kind).toBe('blocked_host');
  });

  it('checks IP literals without asking the resolver', async () => {
    const lookup = fakeLookup({});
    expect((await refusal(resolveMailHost('127.0.0.1', none, lookup))).kind).toBe('blocked_host');
    expect((await refusal(resolveMailHost('[::1]', none, lookup))).kind).toBe('blocked_host');
    expect((await refusal(resolveMailHost('::ffff:127.0.0.1', none, lookup))).kind).toBe('blocked_host');
    await expect(resolveMailHost('93.184.216.34', none, lookup)).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
    expect(lookup.calls).toEqual([]);
  });

  it('allows a blocked address when the host name is allow-listed', async () => {
    const allow = parseAllowList(['mail.corp.internal']);
    const lookup = fakeLookup({ 'mail.corp.internal': ['10.1.2.3'] });
    await expect(
      resolveMailHost('MAIL.corp.internal', allow, fakeLookup({ 'MAIL.corp.internal': ['10.1.2.3'] })),
    ).resolves.toEqual({
      address: '10.1.2.3',
      family: 4,
    });
    await expect(resolveMailHost('mail.corp.internal', allow, lookup)).resolves.toMatchObject({
      address: '10.1.2.3',
    });
  });

  it('allows a blocked address when the address or its range is allow-listed, and only that', async () => {
    const allow = parseAllowList(['10.0.0.0/8', '127.0.0.1']);
    const lookup = fakeLookup({
      a: ['10.9.8.7'],
      b: ['127.0.0.1'],
      c: ['192.168.0.1'],
      d: ['10.0.0.1', '192.168.0.1'],
    });
    await expect(resolveMailHost('a', allow, lookup)).resolves.toMatchObject({ address: '10.9.8.7' });
    await expect(resolveMailHost('b', allow, lookup)).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(resolveMailHost('127.0.0.1', allow, lookup)).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    expect((await refusal(resolveMailHost('c', allow, lookup))).kind).toBe('blocked_host');
    expect((await refusal(resolveMailHost('d', allow, lookup))).kind).toBe('blocked_host');
    expect((await refusal(resolveMailHost('127.0.0.2', allow, lookup))).kind).toBe('blocked_host');
  });

  it('allows the IPv4-mapped form of an allow-listed IPv4 address', async () => {
    const allow = parseAllowList(['127.0.0.1']);
    const lookup = fakeLookup({ m: ['::ffff:127.0.0.1'] });
    await expect(resolveMailHost('m', allow, lookup)).resolves.toMatchObject({ address: '::ffff:127.0.0.1' });
  });

  it('reports an unknown name as kind dns, naming the host', async () => {
    const err = await refusal(resolveMailHost('nowhere.example', none, fakeLookup({})));
    expect(err.kind).toBe('dns');
    expect(err.message).toBe('The mail server name could not be found: nowhere.example');
    expect(err.retryable).toBe(true);
  });

  it('reports a temporary resolver failure and an empty answer as kind dns', async () => {
    const again: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' });
    };
    expect((await refusal(resolveMailHost('x.example.com', none, again))).kind).toBe('dns');
    const empty: LookupAll = async () => [];
    expect((await refusal(resolveMailHost('x.example.com', none, empty))).kind).toBe('dns');
  });

  it('asks the resolver for all addresses', async () => {
    let options: unknown;
    const lookup: LookupAll = async (_host, opts) => {
      options = opts;
      return [{ address: '93.184.216.34', family: 4 }];
    };
    await resolveMailHost('imap.example.com', none, lookup);
    expect(options).toEqual({ all: true });
  });
});

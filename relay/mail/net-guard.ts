/**
 * SSRF guard for mail servers: the relay connects wherever a user points it, so a host name must not
 * lead into the relay's own machine or network unless an administrator allowed it (RELAY_ALLOW_HOSTS).
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RelayError } from '../errors.js';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Ip, number];

export interface AllowList {
  /** Lower-case host names without a trailing dot. */
  readonly names: ReadonlySet<string>;
  readonly ranges: readonly Cidr[];
}

/** The `all: true` form of dns.promises.lookup, injectable for tests. */
export type LookupAll = (hostname: string, options: { all: true }) => Promise<dns.LookupAddress[]>;

export interface ResolvedHost {
  address: string;
  family: 4 | 6;
}

type BlockReason = 'loopback' | 'private' | 'link-local' | 'reserved';

const cidrs = (...list: string[]): Cidr[] => list.map((c) => ipaddr.parseCIDR(c));

// Listed explicitly (RFC 6890 special-purpose registries) so the policy is readable here; ipaddr's
// range() only backs it up. Carrier-grade NAT (RFC 6598) and unique-local (RFC 4193) count as private.
const BLOCKED: [BlockReason, Cidr[]][] = [
  ['loopback', cidrs('127.0.0.0/8', '::1/128')],
  [
    'private',
    cidrs('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fec0::/10'),
  ],
  ['link-local', cidrs('169.254.0.0/16', 'fe80::/10')],
  // Unspecified, documentation, benchmarking, multicast, 240/4 with broadcast; ::/96 holds :: and the
  // deprecated IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1); 64:ff9b:1::/48 is local-use NAT64 (RFC 8215).
  [
    'reserved',
    cidrs(
      ...['0.0.0.0/8', '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '198.18.0.0/15', '198.51.100.0/24'],
      ...['203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4', '::/96', '64:ff9b:1::/48', '100::/64', '2001::/23'],
      ...['2001:db8::/32', '3fff::/20', '5f00::/16', 'ff00::/8'],
    ),
  ],
];

const REASONS: Record<BlockReason, string> = {
  loopback: 'it points to the relay’s own machine',
  private: 'it points into a private network',
  'link-local': 'it points into a private network',
  reserved: 'it is a reserved, multicast or broadcast address',
};

/** Parses RELAY_ALLOW_HOSTS entries: host names, IP addresses and CIDR ranges. */
export function parseAllowList(entries: string[]): AllowList {
  const names = new Set<string>();
  const ranges: Cidr[] = [];
  for (const raw of entries) {
    const entry = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (entry === '') continue;
    const range = parseIpOrCidr(entry);
    if (range) ranges.push(range);
    else if (isHostName(entry)) names.add(normalizeName(entry));
    else invalidEntry(entry);
  }
  return { names, ranges };
}

/** True when the host name or IP address is exempt from the block. */
export function isAllowListed(allow: AllowList, hostOrAddress: string): boolean {
  const ip = parseAddress(hostOrAddress);
  if (!ip) return allow.names.has(normalizeName(hostOrAddress));
  return inRanges(ip, allow.ranges);
}

const inRanges = (ip: Ip, ranges: readonly Cidr[]) =>
  ranges.some(([base, bits]) => base.kind() === ip.kind() && ip.match(base, bits));

/**
 * Why `address` must not be connected to, or null when it is a public unicast address. IPv4 embedded
 * in IPv6 (mapped, NAT64 RFC 6052, 6to4 RFC 3056) is judged by the IPv4 address it carries.
 */
export function blockReason(address: string): BlockReason | null {
  const ip = parseAddress(address);
  if (!ip) return 'reserved';
  if (ip.kind() === 'ipv6') {
    const embedded = embeddedIpv4(ip as ipaddr.IPv6);
    if (embedded) return blockReason(embedded.toString());
  }
  for (const [reason, ranges] of BLOCKED) if (inRanges(ip, ranges)) return reason;
  // Belt and braces: anything ipaddr.js does not call unicast (teredo, benchmarking, orchid …) stays out.
  return ip.range() === 'unicast' ? null : 'reserved';
}

/**
 * Resolves `host` and checks every address (a name with one public and one private address is refused:
 * the resolver may hand out either). Returns the address to connect to, so the connection goes to the
 * checked address and a second lookup cannot be answered differently (DNS rebinding).
 */
export async function resolveMailHost(
  host: string,
  allow: AllowList,
  lookup: LookupAll = dns.promises.lookup,
): Promise<ResolvedHost> {
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(literal);
  const addresses = family ? [{ address: literal, family }] : await lookupAll(literal, lookup);
  const nameAllowed = !family && isAllowListed(allow, literal);
  for (const { address } of addresses) {
    const reason = blockReason(address);
    if (reason && !nameAllowed && !isAllowListed(allow, address)) {
      throw new RelayError('blocked_host', `The mail server address is not allowed: ${REASONS[reason]}.`, {
        field: 'imap.host',
      });
    }
  }
  // Prefer IPv4: many hosts and containers resolve AAAA records but have no IPv6 route.
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
  if (!chosen) throw dnsError(literal);
  return { address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}

async function lookupAll(host: string, lookup: LookupAll): Promise<dns.LookupAddress[]> {
  try {
    const found = await lookup(host, { all: true });
    if (found.length === 0) throw dnsError(host);
    return found;
  } catch (err) {
    if (err instanceof RelayError) throw err;
    throw dnsError(host, err);
  }
}

const dnsError = (host: string, cause?: unknown) =>
  new RelayError('dns', `The mail server name could not be found: ${host}`, { field: 'imap.host', cause });

const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.IPv6.parseCIDR('2002::/16');

/** IPv4 carried inside an IPv6 address that a gateway or the kernel would turn into IPv4 traffic. */
function embeddedIpv4(ip: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = ip.parts;
  const fromParts = (hi: number | undefined, lo: number | undefined) =>
    new ipaddr.IPv4([((hi ?? 0) >> 8) & 255, (hi ?? 0) & 255, ((lo ?? 0) >> 8) & 255, (lo ?? 0) & 255]);
  if (ip.match(NAT64)) return fromParts(p[6], p[7]);
  if (ip.match(SIX_TO_FOUR)) return fromParts(p[1], p[2]);
  return null;
}

/** An IP literal, IPv4-mapped IPv6 turned into the IPv4 address it is on the wire (RFC 4291 §2.5.5.2). */
function parseAddress(value: string): Ip | null {
  const v = value.replace(/^\[(.*)\]$/, '$1');
  // net.isIP accepts only canonical literals; ipaddr.js alone would also take "127.1" or "0x7f.0.0.1".
  if (!isIP(v)) return null;
  try {
    return ipaddr.process(v.includes(':') ? dottedTailToHex(v) : v);
  } catch {
    return null;
  }
}

/**
 * "::1.2.3.4" → "::102:304". ipaddr.js 2.5 reads any IPv6 with a dotted tail as IPv4-mapped, so the
 * deprecated IPv4-compatible "::1.2.3.4" would pass for 1.2.3.4; in hex it stays in ::/96.
 */
function dottedTailToHex(v: string): string {
  return v.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) => {
    const hex = (hi: string, lo: string) => ((Number(hi) << 8) | Number(lo)).toString(16);
    return `${hex(a, b)}:${hex(c, d)}`;
  });
}

function parseIpOrCidr(entry: string): Cidr | null {
  const [address = '', bits, ...rest] = entry.split('/');
  const ip = parseAddress(address);
  // Something that looks like an address but is none ("300.1.1.1", "fe80::zz", "host/8") is a typo.
  if (!ip) return bits !== undefined || /^[\d.]+$|:/.test(entry) ? invalidEntry(entry) : null;
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  if (bits === undefined) return [ip, max];
  // A mapped IPv6 prefix ("::ffff:10.0.0.0/104") would need its length translated: ask for IPv4.
  const mapped = ip.kind() === 'ipv4' && address.includes(':');
  if (mapped || rest.length > 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) return invalidEntry(entry);
  return [ip, Number(bits)];
}

function invalidEntry(entry: string): never {
  throw new RelayError('config', `RELAY_ALLOW_HOSTS has an invalid entry: "${entry}".`);
}

const normalizeName = (name: string) => name.toLowerCase().replace(/\.$/, '');

// RFC 1123 labels; 253 is the longest DNS name (RFC 1035 §2.3.4).
const HOST_NAME =
  /^(?=.{1,253}\.?$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$/i;
const isHostName = (v: string) => HOST_NAME.test(v);

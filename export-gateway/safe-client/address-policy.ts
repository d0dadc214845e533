import { BlockList, isIP } from 'node:net';

/** What kind of network an IP address belongs to; only `public` is reachable by default. */
export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

/** Which non-public addresses a destination may use. */
export interface AddressPolicy {
  /** The householder approved the destination as on the home network: RFC 1918 and fc00::/7. */
  allowPrivate: boolean;
  /** Dev/test mode: loopback (127/8, ::1) is allowed too. */
  devMode: boolean;
}

type Range = readonly [prefix: string, bits: number, cls: Exclude<AddressClass, 'public'>];

// IANA IPv4 special-purpose registry, plus multicast and the old class E
const V4_RANGES: Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

// IPv6 ranges inside 2000::/3 (the only global unicast block) that are not public; everything
// outside 2000::/3 that is not listed here is reserved
const V6_RANGES: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'],
  ['ff00::', 8, 'multicast'],
  ['2001::', 23, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
  ['3fff::', 20, 'reserved'],
];

const lists = new Map<Exclude<AddressClass, 'public'>, BlockList>();
for (const [prefix, bits, cls] of [...V4_RANGES, ...V6_RANGES]) {
  const list = lists.get(cls) ?? new BlockList();
  lists.set(cls, list);
  list.addSubnet(prefix, bits, prefix.includes(':') ? 'ipv6' : 'ipv4');
}
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach an IPv4 host: IPv4-mapped
 * `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96` and 6to4 `2002:AABB:CCDD::/16`.
 */
function embeddedV4(address: string): string | undefined {
  const words = expandV6(address);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6], words[7]);
  if (zeros(0, 6) && (words[6] !== 0 || words[7] > 1)) return v4(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6], words[7]);
  if (words[0] === 0x2002) return v4(words[1], words[2]);
  return undefined;
}

/** Eight 16-bit words of an IPv6 address (dotted IPv4 tails allowed). */
function expandV6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = text.match(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((w) => Number.parseInt(w, 16));
}

/**
 * Classifies an IP address (IPv4 or IPv6, without brackets or zone). IPv6 forms that carry an
 * IPv4 address (`::ffff:127.0.0.1`, NAT64, 6to4) are classified by the IPv4 address they carry.
 *
 * @example
 * classifyAddress('169.254.169.254'); // 'link-local'
 * classifyAddress('::ffff:7f00:1');   // 'loopback'
 * classifyAddress('93.184.216.34');   // 'public'
 */
export function classifyAddress(address: string): AddressClass {
  const version = isIP(address);
  if (version === 0) throw new TypeError(`"${address}" is not an IP address`);
  if (version === 6) {
    const v4 = embeddedV4(address);
    if (v4 !== undefined) return classifyAddress(v4);
  }
  const type = version === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of lists) if (list.check(address, type)) return cls;
  if (version === 6 && !globalUnicast.check(address, 'ipv6')) return 'reserved';
  return 'public';
}

/**
 * Why `address` may not be used under `policy`, or `undefined` when it may: public addresses
 * always; private ones with `allowPrivate`; loopback only in `devMode`; link-local (the cloud
 * metadata service 169.254.169.254), CGNAT, multicast, unspecified and reserved never.
 */
export function addressRefusal(address: string, policy: AddressPolicy): string | undefined {
  const cls = classifyAddress(address);
  if (cls === 'public') return undefined;
  if (cls === 'private' && policy.allowPrivate) return undefined;
  if (cls === 'loopback' && policy.devMode) return undefined;
  const hint =
    cls === 'private'
      ? ' (not approved as on the home network)'
      : cls === 'loopback'
        ? ' (dev mode is off)'
        : '';
  return `address ${address} is ${cls}${hint}`;
}

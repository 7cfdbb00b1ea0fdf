import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client IP is counted under. IPv4 addresses count one by one; an
 * IPv6 host usually owns a whole /64 (SLAAC, privacy addresses), so it is
 * keyed by that prefix: rotating through its own addresses buys it nothing.
 * Expects the address after GATEHOUSE_TRUST_PROXY. An IPv4-mapped address
 * (`::ffff:1.2.3.4`, what a dual-stack listener reports for every IPv4 peer)
 * is unwrapped here as well: keyed by its /64, every IPv4 client would share
 * one budget, and one of them could spend it for all.
 */
export function clientKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  const mapped = IPV4_MAPPED.exec(ip)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  const address = ip.split('%')[0] ?? ip; // a zone index (fe80::1%eth0) names an interface, not a host
  if (!isIPv6(address)) return `other:${ip}`;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The eight 16-bit groups of an IPv6 address, lowercase, without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const [a, b, c, d] = v4[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => '0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16).toString(16));
}

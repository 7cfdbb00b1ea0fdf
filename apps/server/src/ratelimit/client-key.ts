import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

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
  // node:net, not ipaddr.js, decides what is IPv4: ipaddr also reads `127.1` or `0x7f.0.0.1`, which no socket reports.
  if (isIPv4(ip)) return ip;
  const address = ip.split('%')[0] ?? ip; // a zone index (fe80::1%eth0) names an interface, not a host
  if (!ipaddr.IPv6.isValid(address)) return `other:${ip}`;
  const parsed = ipaddr.IPv6.parse(address);
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  // The key's spelling (groups without leading zeros, then `::/64`) is kept from before, so budgets held in Redis carry over.
  return `${parsed.parts.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

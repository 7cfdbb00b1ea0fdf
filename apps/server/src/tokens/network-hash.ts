import { createHmac, randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/**
 * The network a client address belongs to, as far as a stolen-token signal
 * cares: the /24 of an IPv4 address and the /64 of an IPv6 one (a home or
 * office network, or one mobile carrier's block; an IPv6 host rotates
 * privacy addresses inside its /64). IPv4-mapped IPv6 counts as IPv4. What
 * is not an address (`unknown` when the socket had none) is its own network.
 */
export function networkOf(ip: string): string {
  const address = ip.split('%')[0] ?? ip; // a zone index names an interface, not a network
  if (!ipaddr.isValid(address)) return `other:${ip}`;
  const parsed = ipaddr.process(address);
  const bytes = parsed.toByteArray();
  const prefixBytes = parsed.kind() === 'ipv4' ? 3 : 8;
  const masked = [...bytes.slice(0, prefixBytes), ...bytes.slice(prefixBytes).map(() => 0)];
  return `${ipaddr.fromByteArray(masked).toString()}/${prefixBytes * 8}`;
}

/** Keyed hashes of networks: what an access token records about where it was issued. */
export interface NetworkHasher {
  /** base64url of the first 128 bits of HMAC-SHA-256(key, network of `ip`). */
  hashOf(ip: string): string;
  /** How many addresses' hashes are remembered now, and at most (for the memory report). */
  readonly cache: { readonly size: number; readonly maxEntries: number };
}

/** Addresses whose hash is remembered: a busy instance's callers, not every address ever seen. */
export const DEFAULT_NETWORK_HASH_CACHE_SIZE = 10_000;

/**
 * A keyed hash, not the network itself: the token is readable by whoever
 * holds it (a JWT's payload is only base64), and a plain network or an
 * unkeyed hash of one (2^24 IPv4 /24s, tried in a second) would tell the
 * holder where its owner signs in from. Without a key (development, test)
 * one is drawn for this process: tokens it issued keep their meaning only
 * here, which is also true of its ephemeral signing key.
 *
 * Every protected call hashes its caller's address, and the HMAC with the
 * address parsing was the largest single cost left on a cached-token call
 * (profiled with `pnpm --filter @gatehouse/bench profile`), so hashes are
 * remembered per address, at most `maxEntries` of them: the oldest goes
 * first, so a flood of distinct addresses cannot grow the heap.
 */
export function createNetworkHasher(key: Uint8Array | undefined, maxEntries = DEFAULT_NETWORK_HASH_CACHE_SIZE): NetworkHasher {
  if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError('maxEntries must be a whole number');
  const secret = key ?? randomBytes(32);
  const remembered = new Map<string, string>();
  const compute = (ip: string) => createHmac('sha256', secret).update(networkOf(ip)).digest().subarray(0, 16).toString('base64url');
  return {
    hashOf(ip) {
      const known = remembered.get(ip);
      if (known !== undefined) return known;
      const hashed = compute(ip);
      if (maxEntries === 0) return hashed;
      if (remembered.size >= maxEntries) {
        const oldest = remembered.keys().next();
        if (oldest.done !== true) remembered.delete(oldest.value);
      }
      remembered.set(ip, hashed);
      return hashed;
    },
    cache: {
      get size() {
        return remembered.size;
      },
      maxEntries,
    },
  };
}

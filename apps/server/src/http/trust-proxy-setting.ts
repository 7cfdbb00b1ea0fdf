import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import { z } from 'zod';

/**
 * GATEHOUSE_TRUST_PROXY, parsed: no proxy (X-Forwarded-* ignored), or the
 * proxies' addresses, optionally with a cap on how many of them a request
 * may have passed through. A bare hop count is not a setting: it trusts
 * whoever sits at that hop, so a client talking to the server directly
 * writes X-Forwarded-For and chooses its own IP (and every per-IP budget).
 */
export type TrustProxySetting = false | { readonly addresses: readonly string[]; readonly hops: number | undefined };

/** The most proxy hops a request may be believed to have crossed; a real chain is two or three. */
const MAX_HOPS = 32;

const EXAMPLE = 'e.g. 10.0.0.0/8,192.168.1.10 or 10.0.0.0/8,hops=2';

/**
 * The accepted forms: unset, `false` or `0` (no proxy); a comma list of IP
 * addresses and CIDR ranges; that list with one `hops=N` entry. Anything
 * else stops the start, quoting the value.
 */
export const trustProxySetting = z
  .string()
  .trim()
  .transform((value, ctx): TrustProxySetting => {
    const lower = value.toLowerCase();
    if (lower === '' || lower === 'false' || lower === '0') return false;
    const refuse = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (lower === 'true') {
      return refuse(`"${value}" would let every client choose its IP through X-Forwarded-For; list the proxies' addresses (${EXAMPLE})`);
    }
    if (/^\d+$/.test(value)) {
      return refuse(
        `"${value}" is a bare hop count, which lets a client that connects directly choose its IP; ` +
          `list the proxies' addresses, with the hop count as an entry (${EXAMPLE})`,
      );
    }
    const addresses: string[] = [];
    let hops: number | undefined;
    for (const entry of value.split(',').map((part) => part.trim())) {
      if (entry === '') continue;
      if (entry.toLowerCase().startsWith('hops=')) {
        const count = /^hops=(\d{1,3})$/i.exec(entry)?.[1];
        if (count === undefined || Number(count) < 1 || Number(count) > MAX_HOPS) {
          return refuse(`${quoted(entry, value)}: hops must be a whole number from 1 to ${MAX_HOPS}`);
        }
        if (hops !== undefined) return refuse(`"${value}" gives hops twice`);
        hops = Number(count);
        continue;
      }
      const problem = addressProblem(entry);
      if (problem !== undefined) return refuse(`${quoted(entry, value)} ${problem} (${EXAMPLE})`);
      addresses.push(entry);
    }
    if (addresses.length === 0) {
      return refuse(`"${value}" names no proxy address: a hop count is only accepted together with the proxies' addresses (${EXAMPLE})`);
    }
    return Object.freeze({ addresses: Object.freeze(addresses), hops });
  });

/** The entry at fault, and the whole value when it holds more. */
function quoted(entry: string, value: string): string {
  return entry === value ? `"${value}"` : `"${entry}" in "${value}"`;
}

/** Why an entry cannot name trusted proxies, or undefined when it can. */
function addressProblem(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const prefix = slash === -1 ? undefined : entry.slice(slash + 1);
  const family = isIP(address);
  // Host names and proxy-addr's named ranges (loopback, uniquelocal) are refused: the list says exactly which addresses.
  if (family === 0) return 'is not an IP address or CIDR range';
  const maxPrefix = family === 4 ? 32 : 128;
  if (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > maxPrefix)) {
    return `has no valid prefix length (0 to ${maxPrefix})`;
  }
  const bits = prefix === undefined ? maxPrefix : Number(prefix);
  // A range holding every address (or every IPv4 address, mapped into IPv6) is `true` by another name.
  if (bits === 0 || (family === 6 && isIpv4Mapped(address) && bits <= 96)) return 'trusts every address, as true would';
  try {
    proxyAddr.compile([entry]);
  } catch {
    return 'is not an IP address or CIDR range';
  }
  return undefined;
}

function isIpv4Mapped(address: string): boolean {
  // The URL parser writes an IPv6 address in its one canonical form.
  return new URL(`http://[${address}]/`).hostname.startsWith('[::ffff:');
}

import { describe, expect, it } from 'vitest';
import { createNetworkHasher, networkOf } from './network-hash.js';

describe('networkOf', () => {
  it('is the /24 of an IPv4 address and the /64 of an IPv6 one, mapped IPv4 counted as IPv4', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.9')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:DB8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(networkOf('fe80::1%eth0')).toBe('fe80::/64');
    expect(networkOf('unknown')).toBe('other:unknown');
  });
});

describe('createNetworkHasher', () => {
  const key = new Uint8Array(32).fill(7);

  it('gives one network one hash and another network another', () => {
    const hasher = createNetworkHasher(key);
    expect(hasher.hashOf('203.0.113.1')).toBe(hasher.hashOf('203.0.113.254'));
    expect(hasher.hashOf('203.0.113.1')).not.toBe(hasher.hashOf('203.0.114.1'));
    expect(hasher.hashOf('2001:db8:1:2::1')).toBe(hasher.hashOf('2001:db8:1:2:ffff::9'));
    expect(hasher.hashOf('2001:db8:1:2::1')).not.toBe(hasher.hashOf('2001:db8:1:3::1'));
    expect(hasher.hashOf('203.0.113.1')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('depends on the key, so a token’s holder cannot test guesses of its network', () => {
    expect(createNetworkHasher(key).hashOf('203.0.113.1')).toBe(createNetworkHasher(new Uint8Array(32).fill(7)).hashOf('203.0.113.1'));
    expect(createNetworkHasher(key).hashOf('203.0.113.1')).not.toBe(createNetworkHasher(new Uint8Array(32).fill(8)).hashOf('203.0.113.1'));
    // No key: one drawn per hasher (per process), never a fixed default anyone could know.
    expect(createNetworkHasher(undefined).hashOf('203.0.113.1')).not.toBe(createNetworkHasher(undefined).hashOf('203.0.113.1'));
  });

  it('refuses a bound that is not a whole, non-negative number when created', () => {
    for (const maxEntries of [-1, 1.5, Number.NaN]) expect(() => createNetworkHasher(key, maxEntries)).toThrow(RangeError);
    expect(createNetworkHasher(key, 0).cache.maxEntries).toBe(0);
  });

  it('remembers nothing with a bound of 0, however many addresses it hashes', () => {
    const hasher = createNetworkHasher(key, 0);
    const first = hasher.hashOf('198.51.100.1');
    expect(hasher.hashOf('198.51.100.1')).toBe(first);
    hasher.hashOf('198.51.100.2');
    expect(hasher.cache.size).toBe(0);
  });

  it('remembers at most its bound of addresses, and a forgotten one hashes the same again', () => {
    const hasher = createNetworkHasher(key, 3);
    const first = hasher.hashOf('198.51.100.1');
    for (let host = 2; host <= 20; host += 1) hasher.hashOf(`198.51.${host}.1`);
    expect(hasher.cache).toEqual({ size: 3, maxEntries: 3 });
    expect(hasher.hashOf('198.51.100.1')).toBe(first);
    expect(createNetworkHasher(key, 0).hashOf('198.51.100.1')).toBe(first);
    expect(createNetworkHasher(key, 0).cache.size).toBe(0);
  });
});

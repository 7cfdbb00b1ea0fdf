import { describe, expect, it } from 'vitest';
import { createBoundedLru } from './bounded-lru.js';

describe('bounded LRU map', () => {
  it('refuses a bound that is not a positive whole number when created', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) expect(() => createBoundedLru(maxEntries)).toThrow(RangeError);
    expect(createBoundedLru(1).maxEntries).toBe(1);
  });

  it('holds up to its bound, then evicts the least recently used', () => {
    const lru = createBoundedLru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.size).toBe(2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.size).toBe(2);
    // b was the least recently used: a was read after it was written.
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
  });

  it('replaces a value in place, making it the most recent, without evicting anything', () => {
    const lru = createBoundedLru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('a', 10);
    expect(lru.size).toBe(2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(10);
    expect(lru.get('b')).toBeUndefined();
  });

  it('forgets one entry on delete and all on clear', () => {
    const lru = createBoundedLru<string>(3);
    lru.set('a', 'x');
    lru.set('b', 'y');
    lru.delete('a');
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(1);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.get('b')).toBeUndefined();
  });

  it('does not count a miss as a use', () => {
    const lru = createBoundedLru<number>(1);
    expect(lru.get('absent')).toBeUndefined();
    expect(lru.size).toBe(0);
  });
});

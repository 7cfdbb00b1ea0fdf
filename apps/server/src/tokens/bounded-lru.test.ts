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

  it('keeps the order right when the newest entry is read again, deleted or cleared', () => {
    const lru = createBoundedLru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    // b is already the newest: reading it again must not make a older or younger.
    expect(lru.get('b')).toBe(2);
    expect(lru.get('b')).toBe(2);
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([undefined, 2, 3]);
    // c is the newest; once deleted, reading b (now the only one) and adding two more evicts b first.
    lru.delete('c');
    lru.set('d', 4);
    expect(lru.get('b')).toBe(2);
    lru.set('e', 5);
    expect([lru.get('d'), lru.get('b'), lru.get('e')]).toEqual([undefined, 2, 5]);
    lru.clear();
    lru.set('f', 6);
    lru.set('g', 7);
    expect(lru.get('f')).toBe(6);
    lru.set('h', 8);
    expect([lru.get('g'), lru.get('f'), lru.get('h')]).toEqual([undefined, 6, 8]);
  });
});

import { describe, expect, it } from 'vitest';
import { boundedMemo } from './bounded-memo.js';

describe('boundedMemo', () => {
  it('computes each key once while it remembers it, a false answer included', () => {
    const calls: string[] = [];
    const isShort = boundedMemo((key) => {
      calls.push(key);
      return key.length < 3;
    }, 8);
    expect([isShort('ab'), isShort('abcd'), isShort('ab'), isShort('abcd')]).toEqual([true, false, true, false]);
    expect(calls).toEqual(['ab', 'abcd']);
  });

  it('still answers past its bound, computing what it no longer has room for', () => {
    const calls: string[] = [];
    const upper = boundedMemo((key) => {
      calls.push(key);
      return key.toUpperCase();
    }, 2);
    for (const key of ['a', 'b', 'c', 'c', 'a']) upper(key);
    expect(upper('c')).toBe('C');
    expect(calls).toEqual(['a', 'b', 'c', 'c', 'c']);
  });
});

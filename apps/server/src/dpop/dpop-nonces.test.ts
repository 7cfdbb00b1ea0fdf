import { describe, expect, it } from 'vitest';
import { createDpopNonces } from './dpop-nonces.js';

const key = new Uint8Array(32).fill(7);

describe('createDpopNonces', () => {
  it('accepts its own nonce for its window and the next, not later', () => {
    let clock = 1_000_000_000;
    const nonces = createDpopNonces({ key, windowSeconds: 60, now: () => clock });
    const nonce = nonces.current();
    expect(nonces.isFresh(nonce)).toBe(true);
    clock += 60_000;
    expect(nonces.isFresh(nonce)).toBe(true);
    clock += 60_000;
    expect(nonces.isFresh(nonce)).toBe(false);
  });

  it('refuses a nonce made with another key, or altered', () => {
    const nonces = createDpopNonces({ key, now: () => 5_000 });
    const other = createDpopNonces({ key: new Uint8Array(32).fill(8), now: () => 5_000 });
    expect(nonces.isFresh(other.current())).toBe(false);
    const nonce = nonces.current();
    const altered = `${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`;
    expect(nonces.isFresh(altered)).toBe(false);
    expect(nonces.isFresh('not a nonce')).toBe(false);
  });

  it('is shared by processes holding the same key', () => {
    const a = createDpopNonces({ key, now: () => 9_000 });
    const b = createDpopNonces({ key, now: () => 9_000 });
    expect(b.isFresh(a.current())).toBe(true);
  });
});

import { expect, it } from 'vitest';
import { describeDpopProofStore } from '../dpop-proof-store.contract-suite.js';
import { createMemoryDpopProofStore } from './memory-dpop-proof-store.js';

let clock = 1_000_000;
describeDpopProofStore(
  'memory',
  async () => createMemoryDpopProofStore({ now: () => clock }),
  async (ms) => {
    clock += ms;
  },
);

it('stays within its bound, dropping the oldest ids first', async () => {
  const store = createMemoryDpopProofStore({ now: () => 0, maxEntries: 2 });
  expect(await store.claim('a', 60_000)).toBe(true);
  expect(await store.claim('b', 60_000)).toBe(true);
  expect(await store.claim('c', 60_000)).toBe(true);
  expect(await store.claim('c', 60_000)).toBe(false);
  // `a` was dropped to make room: remembered ids stay bounded rather than memory growing.
  expect(await store.claim('a', 60_000)).toBe(true);
});

import { describe, expect, it } from 'vitest';
import type { DpopProofStore } from './dpop-proof-store.js';

/**
 * The behaviour every DpopProofStore must have, run against each
 * implementation. `create` returns a fresh store; `advance` moves its clock
 * (or waits on a real one) by the given milliseconds.
 */
export function describeDpopProofStore(name: string, create: () => Promise<DpopProofStore>, advance: (ms: number) => Promise<void>): void {
  describe(`DpopProofStore: ${name}`, () => {
    it('accepts a proof id once and refuses it while it is remembered', async () => {
      const store = await create();
      expect(await store.claim('jkt-a:jti-1', 60_000)).toBe(true);
      expect(await store.claim('jkt-a:jti-1', 60_000)).toBe(false);
      expect(await store.claim('jkt-a:jti-2', 60_000)).toBe(true);
      expect(await store.claim('jkt-b:jti-1', 60_000)).toBe(true);
    });

    it('lets exactly one of many concurrent claims of one id win', async () => {
      const store = await create();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claim('jkt-race:jti', 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('forgets an id once its window has passed', async () => {
      const store = await create();
      expect(await store.claim('jkt-c:jti', 50)).toBe(true);
      await advance(120);
      expect(await store.claim('jkt-c:jti', 50)).toBe(true);
    });
  });
}

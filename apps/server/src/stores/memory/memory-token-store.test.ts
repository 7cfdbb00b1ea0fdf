import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeTokenStore } from '../../../test-support/token-store-behaviour.js';
import { StoreFullError } from '../user-store.js';
import { createMemoryTokenStore } from './memory-token-store.js';

function manualClock() {
  let offsetMs = 0;
  return { now: () => Date.now() + offsetMs, advance: (ms: number) => void (offsetMs += ms) };
}

describeTokenStore('memory', async () => {
  const clock = manualClock();
  return { store: createMemoryTokenStore({ now: clock.now }), now: clock.now, advance: clock.advance };
});

describe('memory token store bounds', () => {
  const family = (expiresAtMs: number) => ({
    familyId: randomUUID(),
    userId: randomUUID(),
    clientId: 'gatehouse',
    scopes: [],
    expiresAtMs,
  });

  it('refuses new families past its bound, after sweeping expired ones', async () => {
    const clock = manualClock();
    const store = createMemoryTokenStore({ maxFamilies: 2, now: clock.now });
    await store.createFamily(family(clock.now() + 1_000), 'a');
    await store.createFamily(family(clock.now() + 60_000), 'b');
    await expect(store.createFamily(family(clock.now() + 60_000), 'c')).rejects.toBeInstanceOf(StoreFullError);
    clock.advance(1_001);
    // The first family expired, so its slot is free again.
    await expect(store.createFamily(family(clock.now() + 60_000), 'c')).resolves.toBeUndefined();
  });
});

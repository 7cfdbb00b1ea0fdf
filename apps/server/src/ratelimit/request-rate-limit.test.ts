import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { createLimiter } from './create-limiter.js';
import { createRequestRateLimit, type RequestRateLimit } from './request-rate-limit.js';
import type { ResolvedPolicy } from './resolve-policy.js';

const policy = (overrides: Partial<ResolvedPolicy> = {}): ResolvedPolicy => ({
  name: 'unit.batch',
  points: 3,
  durationSeconds: 60,
  blockDurationSeconds: 0,
  key: 'ip',
  cost: 1,
  ...overrides,
});

/**
 * One HTTP request whose calls are `calls` (procedure paths), every path under `limited` except `other`,
 * counted by one real memory limiter per policy name, as createRateLimits builds them.
 */
function request(calls: readonly string[], limited: ResolvedPolicy, limiters = new Map<string, RateLimiterMemory>()): RequestRateLimit {
  return createRequestRateLimit({
    calls,
    policyForPath: (path) => (path === 'other' ? undefined : limited),
    limiterFor: (resolved) => {
      let limiter = limiters.get(resolved.name);
      if (limiter === undefined) {
        limiter = createLimiter(resolved, { kind: 'memory' }) as RateLimiterMemory;
        limiters.set(resolved.name, limiter);
      }
      return limiter;
    },
  });
}

/** How many points the budget's key holds in its limiter (0 when it was never counted). */
async function consumed(limiters: Map<string, RateLimiterMemory>, name: string, key: string): Promise<number> {
  return (await limiters.get(name)?.get(key))?.consumedPoints ?? 0;
}

describe('a request’s rate limit (batch pre-check)', () => {
  it('reserves the whole batch once: every call of the group shares one allowed outcome', async () => {
    const limiters = new Map<string, RateLimiterMemory>();
    const limited = policy();
    const batch = request(['a', 'b', 'other'], limited, limiters);
    const first = await batch.charge(limited, 'ip:192.0.2.1');
    const second = await batch.charge(limited, 'ip:192.0.2.1');
    expect(first).toEqual({ allowed: true, firstRefusal: false, snapshot: expect.objectContaining({ policy: 'unit.batch', remaining: 1, refused: false }) });
    expect(second).toBe(first);
    // Two calls under the policy (the third is unlimited): two points, counted once, not once per call.
    expect(await consumed(limiters, 'unit.batch', 'ip:192.0.2.1')).toBe(2);
  });

  it('charges each call its declared cost, and a call alone at least its cost', async () => {
    const limiters = new Map<string, RateLimiterMemory>();
    const pricey = policy({ name: 'unit.pricey', points: 10, cost: 3 });
    await request(['a', 'b'], pricey, limiters).charge(pricey, 'ip:192.0.2.2');
    expect(await consumed(limiters, 'unit.pricey', 'ip:192.0.2.2')).toBe(6);
    // A charge for a policy no parsed call names (the calls list is empty) still costs its own price.
    await request([], pricey, limiters).charge(pricey, 'ip:192.0.2.3');
    expect(await consumed(limiters, 'unit.pricey', 'ip:192.0.2.3')).toBe(3);
  });

  it('keeps the budgets of two keys apart within one request', async () => {
    const limiters = new Map<string, RateLimiterMemory>();
    const limited = policy({ points: 1 });
    const batch = request(['a'], limited, limiters);
    expect((await batch.charge(limited, 'ip:192.0.2.4')).allowed).toBe(true);
    expect((await batch.charge(limited, 'ip:192.0.2.5')).allowed).toBe(true);
    expect(await consumed(limiters, 'unit.batch', 'ip:192.0.2.5')).toBe(1);
  });

  it('refuses a batch that would exceed the budget as a whole, and refunds the room it found', async () => {
    const limiters = new Map<string, RateLimiterMemory>();
    const limited = policy();
    expect((await request(['a'], limited, limiters).charge(limited, 'ip:192.0.2.6')).allowed).toBe(true);
    // Three calls at once with two points left: none runs...
    const batch = request(['a', 'a', 'a'], limited, limiters);
    const refused = await batch.charge(limited, 'ip:192.0.2.6');
    expect(refused).toMatchObject({ allowed: false, firstRefusal: true, snapshot: { policy: 'unit.batch', remaining: 0, refused: true } });
    // ...and the other calls of the batch share the refusal without reporting it again.
    expect(await batch.charge(limited, 'ip:192.0.2.6')).toMatchObject({ allowed: false, firstRefusal: false });
    // The two points left were not burnt by asking for three: two single calls still pass.
    expect((await request(['a'], limited, limiters).charge(limited, 'ip:192.0.2.6')).allowed).toBe(true);
    expect((await request(['a'], limited, limiters).charge(limited, 'ip:192.0.2.6')).allowed).toBe(true);
    expect((await request(['a'], limited, limiters).charge(limited, 'ip:192.0.2.6')).allowed).toBe(false);
  });

  it('keeps a blocking policy’s key blocked after a refused batch: no refund lifts a block', async () => {
    const limiters = new Map<string, RateLimiterMemory>();
    const blocking = policy({ name: 'unit.blocking', blockDurationSeconds: 600 });
    expect((await request(['a'], blocking, limiters).charge(blocking, 'ip:192.0.2.7')).allowed).toBe(true);
    expect((await request(['a', 'a', 'a'], blocking, limiters).charge(blocking, 'ip:192.0.2.7')).allowed).toBe(false);
    const next = await request(['a'], blocking, limiters).charge(blocking, 'ip:192.0.2.7');
    expect(next.allowed).toBe(false);
    expect(next.snapshot.resetAtMs - Date.now()).toBeGreaterThan(590_000); // the block's ten minutes, not the window's one
  });

  it('reports the first refusal of each group once, and only refusals', async () => {
    const limiters = new Map<string, RateLimiterMemory>();
    const tight = policy({ name: 'unit.tight', points: 1 });
    const batch = request(['a', 'a'], tight, limiters);
    const refusedA = await batch.charge(tight, 'ip:192.0.2.8');
    const refusedB = await batch.charge(tight, 'ip:192.0.2.9');
    expect([refusedA.firstRefusal, refusedB.firstRefusal]).toEqual([true, true]);
    expect((await batch.charge(tight, 'ip:192.0.2.8')).firstRefusal).toBe(false);
    const allowed = await request(['a'], tight, limiters).charge(tight, 'ip:192.0.2.10');
    expect(allowed).toMatchObject({ allowed: true, firstRefusal: false });
  });

  it('keeps the tightest snapshot of the request: a refusal, then the fewest calls left, then the latest reset', () => {
    const batch = request([], policy());
    const base = { policy: 'unit.batch', limit: 5, windowSeconds: 60, refused: false };
    expect(batch.consider({ ...base, remaining: 3, resetAtMs: 1_000 })).toBe(true);
    expect(batch.consider({ ...base, remaining: 4, resetAtMs: 9_000 })).toBe(false);
    expect(batch.consider({ ...base, remaining: 3, resetAtMs: 2_000 })).toBe(true);
    expect(batch.consider({ ...base, remaining: 3, resetAtMs: 1_500 })).toBe(false);
    expect(batch.consider({ ...base, remaining: 0, refused: true, resetAtMs: 500 })).toBe(true);
    expect(batch.consider({ ...base, remaining: 0, resetAtMs: 900_000 })).toBe(false);
  });
});

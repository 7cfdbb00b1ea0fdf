import { describe, expect, it } from 'vitest';
import { createSecondFactorGuard, SECOND_FACTOR_POLICY_NAME, type SecondFactorGuard } from './second-factor-guard.js';

const budget = { points: 3, durationSeconds: 900, blockDurationSeconds: 1_800 };

/** A wrong code: the attempt was admitted and its reserved failure stays. */
async function wrongCode(guard: SecondFactorGuard, userId: string): Promise<void> {
  expect((await guard.admit(userId)).admitted).toBe(true);
}

describe('the second-factor guard', () => {
  it('admits a user’s codes up to the budget, then refuses the factor for the block’s duration', async () => {
    const guard = createSecondFactorGuard(budget, { kind: 'memory' });
    const first = await guard.admit('u-1');
    expect(first).toMatchObject({
      admitted: true,
      snapshot: { policy: 'auth.secondFactor:user', limit: 3, remaining: 2, windowSeconds: 900, refused: false },
    });
    await wrongCode(guard, 'u-1');
    await wrongCode(guard, 'u-1');
    const refused = await guard.admit('u-1');
    expect(refused).toEqual({
      admitted: false,
      snapshot: expect.objectContaining({ policy: SECOND_FACTOR_POLICY_NAME, limit: 3, remaining: 0, refused: true }),
    });
    expect(refused.snapshot.resetAtMs - Date.now()).toBeGreaterThan(1_799_000); // the block, longer than the window
    // Another user's codes have their own budget.
    expect((await guard.admit('u-2')).admitted).toBe(true);
  });

  it('hands back the reservation of a right code, and only that one', async () => {
    const guard = createSecondFactorGuard(budget, { kind: 'memory' });
    await wrongCode(guard, 'u-3');
    const right = await guard.admit('u-3');
    if (!right.admitted) return expect.unreachable('the second attempt is within the budget');
    await right.succeeded();
    // One wrong code stays counted: two more are admitted, the third is refused.
    await wrongCode(guard, 'u-3');
    await wrongCode(guard, 'u-3');
    expect((await guard.admit('u-3')).admitted).toBe(false);
  });
});

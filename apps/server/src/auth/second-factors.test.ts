import { generate } from 'otplib';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createSecurityEvents, type SecurityEvent } from '../audit/security-events.js';
import { createSecondFactorGuard } from '../ratelimit/second-factor-guard.js';
import { createMemoryUserStore } from '../stores/memory/memory-user-store.js';
import type { UserRecord } from '../stores/user-store.js';
import { hashRecoveryCode } from './recovery-codes.js';
import { createSecondFactors } from './second-factors.js';
import { createSecretSealer } from './secret-sealer.js';

const ORIGIN = { ip: '203.0.113.9', requestId: 'req-1', principal: undefined };

async function setUp(budget = { points: 5, durationSeconds: 900, blockDurationSeconds: 900 }) {
  const clock = { now: 1_800_000_000_000 };
  const users = createMemoryUserStore();
  const sealer = createSecretSealer(new Uint8Array(32).fill(3));
  const events = createSecurityEvents(pino({ level: 'silent' }));
  const seen: SecurityEvent[] = [];
  events.addSink({ record: (event) => void seen.push(event) });
  const factors = createSecondFactors({
    users,
    sealer,
    guard: createSecondFactorGuard(budget, { kind: 'memory' }),
    events,
    issuer: 'Gatehouse',
    now: () => clock.now,
  });
  const created = await users.create({ email: 'ada@example.com', name: 'Ada', role: 'user', passwordHash: 'unused' });
  /** The record as the store holds it now: every call gets a fresh one, as a request would. */
  const user = async (): Promise<UserRecord> => (await users.findById(created.id)) ?? expect.fail('the user is gone');
  const codeAt = (secret: string, stepsLater = 0) => generate({ secret, epoch: Math.floor(clock.now / 1000) + stepsLater * 30 });
  // Sinks run a microtask after emit.
  const recorded = async () => (await Promise.resolve(), seen.map(({ type, principal, details }) => ({ type, principal, details })));
  return { clock, users, sealer, factors, user, codeAt, recorded, userId: created.id };
}

/** Enrolled and confirmed with the first code, as a user who scanned the QR code would be; one step later. */
async function confirmedSetUp(budget?: Parameters<typeof setUp>[0]) {
  const context = await setUp(budget);
  const enrolment = (await context.factors.enrol(await context.user(), ORIGIN)) ?? expect.fail('not enrolled');
  expect(await context.factors.confirm(await context.user(), await context.codeAt(enrolment.secret), ORIGIN)).toEqual({ ok: true, method: 'otp' });
  context.clock.now += 30_000;
  return { ...context, enrolment };
}

describe('second factors', () => {
  it('enrols a pending TOTP factor: the secret sealed for the user, the recovery codes hashed, nothing to read back', async () => {
    const { factors, user, sealer, userId, recorded } = await setUp();
    const enrolment = (await factors.enrol(await user(), ORIGIN)) ?? expect.fail('not enrolled');
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.otpauthUri).toContain('issuer=Gatehouse');
    expect(decodeURIComponent(enrolment.otpauthUri)).toContain('ada@example.com');
    expect(enrolment.recoveryCodes).toHaveLength(10);
    const stored = (await user()).secondFactor ?? expect.fail('nothing stored');
    expect(stored).toMatchObject({ method: 'totp', lastTimeStep: 0, recoveryCodeHashes: enrolment.recoveryCodes.map(hashRecoveryCode) });
    expect(stored.confirmedAtMs).toBeUndefined();
    expect(stored.sealedSecret).not.toContain(enrolment.secret);
    expect(sealer.open(stored.sealedSecret, userId)).toBe(enrolment.secret);
    expect(await recorded()).toEqual([{ type: 'second_factor.enrolled', principal: `user:${userId}`, details: { method: 'totp' } }]);
  });

  it('replaces a pending enrolment, but refuses a new one over a confirmed factor', async () => {
    const { factors, user, codeAt } = await setUp();
    const first = (await factors.enrol(await user(), ORIGIN)) ?? expect.fail('not enrolled');
    const second = (await factors.enrol(await user(), ORIGIN)) ?? expect.fail('not re-enrolled');
    expect(second.secret).not.toBe(first.secret);
    expect(await factors.confirm(await user(), await codeAt(first.secret), ORIGIN)).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await factors.confirm(await user(), await codeAt(second.secret), ORIGIN)).toEqual({ ok: true, method: 'otp' });
    expect(await factors.enrol(await user(), ORIGIN)).toBeUndefined();
  });

  it('confirms a pending factor with a code from the app, at the server’s time, and records it', async () => {
    const { clock, factors, user, codeAt, userId, recorded } = await setUp();
    const { secret, recoveryCodes } = (await factors.enrol(await user(), ORIGIN)) ?? expect.fail('not enrolled');
    // A recovery code cannot stand in for proof that the app was set up.
    expect(await factors.confirm(await user(), recoveryCodes[0] ?? '', ORIGIN)).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await factors.confirm(await user(), ` ${await codeAt(secret)} `, ORIGIN)).toEqual({ ok: true, method: 'otp' });
    expect((await user()).secondFactor?.confirmedAtMs).toBe(clock.now);
    expect((await recorded()).slice(1)).toEqual([
      { type: 'second_factor.failed', principal: `user:${userId}`, details: { method: 'recovery_code' } },
      { type: 'second_factor.confirmed', principal: `user:${userId}`, details: { method: 'totp' } },
    ]);
    // Confirmed once: confirming again is not an enrolment in progress.
    expect(await factors.confirm(await user(), await codeAt(secret, 1), ORIGIN)).toEqual({ ok: false, reason: 'not_enrolled' });
  });

  it('answers not_enrolled, comparing nothing, for a user without a factor or with a pending one at sign-in', async () => {
    const { factors, user, codeAt } = await setUp();
    expect(await factors.verify(await user(), '123456', ORIGIN)).toEqual({ ok: false, reason: 'not_enrolled' });
    expect(await factors.confirm(await user(), '123456', ORIGIN)).toEqual({ ok: false, reason: 'not_enrolled' });
    const { secret } = (await factors.enrol(await user(), ORIGIN)) ?? expect.fail('not enrolled');
    expect(await factors.verify(await user(), await codeAt(secret), ORIGIN)).toEqual({ ok: false, reason: 'not_enrolled' });
  });

  it('accepts a TOTP code once: the same code again is refused, as is a code of the step already used', async () => {
    const { factors, user, codeAt, enrolment, userId, recorded } = await confirmedSetUp();
    const code = await codeAt(enrolment.secret);
    expect(await factors.verify(await user(), code, ORIGIN)).toEqual({ ok: true, method: 'otp' });
    expect(await factors.verify(await user(), code, ORIGIN)).toEqual({ ok: false, reason: 'invalid_code' });
    expect((await recorded()).slice(-2)).toEqual([
      { type: 'second_factor.succeeded', principal: `user:${userId}`, details: { method: 'otp' } },
      { type: 'second_factor.failed', principal: `user:${userId}`, details: { method: 'otp' } },
    ]);
  });

  it('accepts each recovery code once, as typed, and says how many are left', async () => {
    const { factors, user, enrolment, userId, recorded } = await confirmedSetUp();
    const [first = '', second = ''] = enrolment.recoveryCodes;
    expect(await factors.verify(await user(), first.toUpperCase(), ORIGIN)).toEqual({ ok: true, method: 'recovery_code' });
    expect(await factors.verify(await user(), first, ORIGIN)).toEqual({ ok: false, reason: 'invalid_code' });
    expect(await factors.verify(await user(), second.replace('-', ''), ORIGIN)).toEqual({ ok: true, method: 'recovery_code' });
    const events = await recorded();
    expect(events.filter((event) => event.type === 'second_factor.succeeded')).toEqual([
      { type: 'second_factor.succeeded', principal: `user:${userId}`, details: { method: 'recovery_code', recoveryCodesLeft: 9 } },
      { type: 'second_factor.succeeded', principal: `user:${userId}`, details: { method: 'recovery_code', recoveryCodesLeft: 8 } },
    ]);
    expect(events.filter((event) => event.type === 'second_factor.failed')).toEqual([
      { type: 'second_factor.failed', principal: `user:${userId}`, details: { method: 'recovery_code' } },
    ]);
  });

  it('matches no code when the sealed secret does not open for this user (moved from another record)', async () => {
    const { factors, user, users, sealer, codeAt, enrolment, userId } = await confirmedSetUp();
    const factor = (await user()).secondFactor ?? expect.fail('no factor');
    await users.setSecondFactor(userId, { ...factor, sealedSecret: sealer.seal(enrolment.secret, 'another-user') });
    expect(await factors.verify(await user(), await codeAt(enrolment.secret), ORIGIN)).toEqual({ ok: false, reason: 'invalid_code' });
  });

  it('blocks the user’s codes once the budget is spent, without comparing, and gives back the attempt a right code used', async () => {
    const { factors, user, codeAt, enrolment, userId, recorded } = await confirmedSetUp({ points: 3, durationSeconds: 900, blockDurationSeconds: 900 });
    // The confirmation spent one attempt and gave it back. A right code does the same, so three wrong ones remain.
    expect(await factors.verify(await user(), await codeAt(enrolment.secret), ORIGIN)).toEqual({ ok: true, method: 'otp' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await factors.verify(await user(), '000000', ORIGIN)).toMatchObject({ ok: false, reason: 'invalid_code' });
    }
    const blocked = await factors.verify(await user(), enrolment.recoveryCodes[0] ?? '', ORIGIN);
    expect(blocked).toMatchObject({ ok: false, reason: 'blocked', snapshot: { policy: 'auth.secondFactor:user', refused: true } });
    // Not compared: the recovery code is still there.
    expect((await user()).secondFactor?.recoveryCodeHashes).toHaveLength(10);
    expect((await recorded()).at(-1)).toEqual({ type: 'second_factor.blocked', principal: `user:${userId}`, details: { policy: 'auth.secondFactor:user' } });
  });

  it('removes the factor and records it', async () => {
    const { factors, user, userId, recorded } = await confirmedSetUp();
    await factors.remove(await user(), ORIGIN);
    expect((await user()).secondFactor).toBeUndefined();
    expect((await recorded()).at(-1)).toEqual({ type: 'second_factor.removed', principal: `user:${userId}`, details: { method: 'totp' } });
  });
});

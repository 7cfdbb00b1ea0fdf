import type { EventOrigin, SecurityEvents } from '../audit/security-events.js';
import type { RateLimitSnapshot } from '../ratelimit/rate-limit-snapshot.js';
import type { SecondFactorGuard } from '../ratelimit/second-factor-guard.js';
import type { UserRecord, UserStore } from '../stores/user-store.js';
import { generateRecoveryCodes, hashRecoveryCode, looksLikeRecoveryCode } from './recovery-codes.js';
import type { SecretSealer } from './secret-sealer.js';
import { generateTotpSecret, totpUri, verifyTotp } from './totp.js';

/** What enrolment hands the user, once: nothing here can be read back later. */
export interface SecondFactorEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  readonly recoveryCodes: readonly string[];
}

/** The authentication method a code proved, in RFC 8176 vocabulary: `otp`; a recovery code counts as one too. */
export type SecondFactorMethod = 'otp' | 'recovery_code';

export type SecondFactorCheck =
  | { readonly ok: true; readonly method: SecondFactorMethod }
  | { readonly ok: false; readonly reason: 'invalid_code' | 'not_enrolled' }
  /** The user's budget of codes is spent: no code was compared. */
  | { readonly ok: false; readonly reason: 'blocked'; readonly snapshot: RateLimitSnapshot };

export interface SecondFactors {
  /**
   * Starts an enrolment (replacing one not yet confirmed): a new secret and
   * recovery codes, stored sealed and hashed. Undefined when the user already
   * has a confirmed factor: it must be removed (with that factor) first.
   */
  enrol(user: UserRecord, origin: EventOrigin): Promise<SecondFactorEnrolment | undefined>;
  /** Confirms a pending enrolment with a first code from the app; counted against the user's budget. */
  confirm(user: UserRecord, code: string, origin: EventOrigin): Promise<SecondFactorCheck>;
  /** Checks a TOTP or recovery code of a confirmed factor (sign-in, authorize); each is accepted once. */
  verify(user: UserRecord, code: string, origin: EventOrigin): Promise<SecondFactorCheck>;
  remove(user: UserRecord, origin: EventOrigin): Promise<void>;
}

export interface SecondFactorsOptions {
  readonly users: UserStore;
  readonly sealer: SecretSealer;
  readonly guard: SecondFactorGuard;
  readonly events: SecurityEvents;
  /** Shown by the authenticator app beside the account (the `otpauth://` issuer). */
  readonly issuer: string;
  readonly now: () => number;
}

export function createSecondFactors(options: SecondFactorsOptions): SecondFactors {
  const { users, sealer, guard, events, issuer, now } = options;
  const principalOf = (user: UserRecord, origin: EventOrigin): EventOrigin => ({ ...origin, principal: `user:${user.id}` });

  /** One guarded compare: the budget first, then the code, then the single use recorded atomically. */
  async function check(user: UserRecord, code: string, origin: EventOrigin, accept: 'confirmed' | 'pending'): Promise<SecondFactorCheck> {
    const factor = user.secondFactor;
    const confirmed = factor?.confirmedAtMs !== undefined;
    if (factor === undefined || confirmed !== (accept === 'confirmed')) return { ok: false, reason: 'not_enrolled' };
    const admission = await guard.admit(user.id);
    if (!admission.admitted) {
      events.emit('second_factor.blocked', principalOf(user, origin), { policy: admission.snapshot.policy });
      return { ok: false, reason: 'blocked', snapshot: admission.snapshot };
    }
    const method = await compare(user, code.trim(), accept === 'confirmed');
    if (method === undefined) {
      events.emit('second_factor.failed', principalOf(user, origin), { method: looksLikeRecoveryCode(code) ? 'recovery_code' : 'otp' });
      return { ok: false, reason: 'invalid_code' };
    }
    await admission.succeeded();
    return { ok: true, method };
  }

  async function compare(user: UserRecord, code: string, recoveryAllowed: boolean): Promise<SecondFactorMethod | undefined> {
    const factor = user.secondFactor;
    if (factor === undefined) return undefined;
    if (recoveryAllowed && looksLikeRecoveryCode(code)) {
      return (await users.useRecoveryCode(user.id, hashRecoveryCode(code))) ? 'recovery_code' : undefined;
    }
    // A secret that does not open (another key, moved from another user's record) matches no code.
    const secret = sealer.open(factor.sealedSecret, user.id);
    if (secret === undefined) return undefined;
    const timeStep = await verifyTotp({ secret, code, afterTimeStep: factor.lastTimeStep, nowMs: now() });
    // The store decides single use: of two requests racing with one code, one records the step.
    if (timeStep === undefined || !(await users.useTimeStep(user.id, timeStep))) return undefined;
    return 'otp';
  }

  return {
    async enrol(user, origin) {
      if (user.secondFactor?.confirmedAtMs !== undefined) return undefined;
      const secret = generateTotpSecret();
      const recoveryCodes = generateRecoveryCodes();
      await users.setSecondFactor(user.id, {
        method: 'totp',
        sealedSecret: sealer.seal(secret, user.id),
        recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode),
        lastTimeStep: 0,
      });
      events.emit('second_factor.enrolled', principalOf(user, origin), { method: 'totp' });
      return { secret, otpauthUri: totpUri({ issuer, account: user.email, secret }), recoveryCodes };
    },

    async confirm(user, code, origin) {
      const outcome = await check(user, code, origin, 'pending');
      if (!outcome.ok) return outcome;
      const current = await users.findById(user.id);
      if (current?.secondFactor === undefined) return { ok: false, reason: 'not_enrolled' };
      await users.setSecondFactor(user.id, { ...current.secondFactor, confirmedAtMs: now() });
      events.emit('second_factor.confirmed', principalOf(user, origin), { method: 'totp' });
      return outcome;
    },

    async verify(user, code, origin) {
      const outcome = await check(user, code, origin, 'confirmed');
      if (outcome.ok) {
        const remaining = outcome.method === 'recovery_code' ? ((await users.findById(user.id))?.secondFactor?.recoveryCodeHashes.length ?? 0) : null;
        events.emit('second_factor.succeeded', principalOf(user, origin), { method: outcome.method, ...(remaining === null ? {} : { recoveryCodesLeft: remaining }) });
      }
      return outcome;
    },

    async remove(user, origin) {
      await users.setSecondFactor(user.id, null);
      events.emit('second_factor.removed', principalOf(user, origin), { method: 'totp' });
    },
  };
}

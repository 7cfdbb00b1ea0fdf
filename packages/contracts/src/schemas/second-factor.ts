import { z } from 'zod';
import { tokenGrantSchema } from './auth.js';

/** A code from the authenticator app (six digits) or a recovery code (`xxxxx-xxxxx`). */
export const secondFactorCodeSchema = z.string().trim().min(6).max(32);

/** The ways a second factor can be given: a TOTP code, or one of the recovery codes (RFC 8176 `otp`). */
export const SECOND_FACTOR_METHODS = ['otp', 'recovery_code'] as const;

/**
 * auth.login's answer for a user with a second factor: the password was
 * right, and `challenge` (opaque, short-lived) goes to auth.loginSecondFactor
 * with a code. No token is issued on the password alone.
 */
export const secondFactorChallengeSchema = z.object({
  secondFactorRequired: z.literal(true),
  challenge: z.string(),
  /** Seconds the challenge stays valid. */
  expiresIn: z.number().int().positive(),
  methods: z.array(z.enum(SECOND_FACTOR_METHODS)),
});

export type SecondFactorChallenge = z.infer<typeof secondFactorChallengeSchema>;

/**
 * What auth.login returns: tokens (users without a second factor, exactly as
 * before), or a challenge. Tell them apart with {@link isSecondFactorChallenge}.
 */
export const loginOutput = z.union([tokenGrantSchema, secondFactorChallengeSchema]);

export type LoginResult = z.infer<typeof loginOutput>;

/** Whether auth.login answered with a second-factor challenge rather than tokens. */
export function isSecondFactorChallenge(result: LoginResult): result is SecondFactorChallenge {
  return 'secondFactorRequired' in result && result.secondFactorRequired;
}

export const loginSecondFactorInput = z.strictObject({
  challenge: z.string().min(1).max(2048),
  code: secondFactorCodeSchema,
});

/** auth.secondFactor.enrol's answer, shown once: the secret (and its QR-code URI) and the recovery codes. */
export const secondFactorEnrolmentSchema = z.object({
  /** Base32, for typing into an app that cannot scan. */
  secret: z.string(),
  /** `otpauth://totp/…`, for a QR code. */
  otpauthUri: z.string(),
  /** Each works once in place of a code; keep them offline. */
  recoveryCodes: z.array(z.string()),
});

export const confirmSecondFactorInput = z.strictObject({ code: secondFactorCodeSchema });


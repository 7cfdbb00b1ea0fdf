import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 defaults every authenticator app reads: SHA-1, six digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;

/** A new shared secret: 160 random bits (RFC 4226 section 4 recommends at least 128), base32. */
export function generateTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://` URI an authenticator app scans, labelled with the issuer and the account. */
export function totpUri(options: { readonly issuer: string; readonly account: string; readonly secret: string }): string {
  return generateURI({ issuer: options.issuer, label: options.account, secret: options.secret, period: TOTP_PERIOD_SECONDS });
}

/**
 * The time step a code belongs to, or undefined when it is not valid now.
 * One step either side is accepted for clock drift (RFC 6238 section 5.2);
 * steps at or before `afterTimeStep` are refused, so a code seen once (over a
 * shoulder, in a phishing proxy's log) cannot be used again.
 */
export async function verifyTotp(options: {
  readonly secret: string;
  readonly code: string;
  readonly afterTimeStep: number;
  readonly nowMs: number;
}): Promise<number | undefined> {
  if (!/^\d{6}$/.test(options.code)) return undefined;
  const result = await verify({
    secret: options.secret,
    token: options.code,
    period: TOTP_PERIOD_SECONDS,
    epoch: Math.floor(options.nowMs / 1000),
    epochTolerance: TOTP_PERIOD_SECONDS,
    afterTimeStep: options.afterTimeStep,
  });
  // otplib's result type covers HOTP too; a TOTP match carries the step it matched.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

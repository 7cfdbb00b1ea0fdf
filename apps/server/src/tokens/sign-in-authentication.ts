import { ACR_VALUES, type AcrValue } from '@gatehouse/contracts';

/**
 * How and when the user behind a token signed in: the `acr`, `amr` and
 * `auth_time` claims of its access tokens (RFC 9068 section 2.2.1, RFC 9470).
 * It belongs to the sign-in, not to the token: a refreshed token carries its
 * family's, so refreshing never makes a sign-in look more recent or stronger.
 */
export interface SignInAuthentication {
  readonly acr: AcrValue;
  /** RFC 8176 method references: `pwd`, plus `otp` after a TOTP or recovery code. */
  readonly amr: readonly string[];
  /** When the user signed in, epoch seconds. */
  readonly authTime: number;
}

/** A sign-in with a password alone. */
export function passwordSignIn(nowMs: number): SignInAuthentication {
  return { acr: 'pwd', amr: ['pwd'], authTime: Math.floor(nowMs / 1000) };
}

/** A sign-in with a password and a second factor (a TOTP or recovery code both count as `otp`). */
export function secondFactorSignIn(nowMs: number): SignInAuthentication {
  return { acr: 'mfa', amr: ['pwd', 'otp'], authTime: Math.floor(nowMs / 1000) };
}

/** Whether `held` satisfies `required` (`mfa` satisfies `pwd`). */
export function acrSatisfies(held: AcrValue, required: AcrValue): boolean {
  return ACR_VALUES.indexOf(held) >= ACR_VALUES.indexOf(required);
}

/** Reads the three claims back; undefined when absent, and throws on values this server never writes. */
export function signInFromClaims(claims: { readonly acr?: unknown; readonly amr?: unknown; readonly auth_time?: unknown }): SignInAuthentication | undefined | 'invalid' {
  const { acr, amr, auth_time: authTime } = claims;
  if (acr === undefined && amr === undefined && authTime === undefined) return undefined;
  if (
    typeof acr !== 'string' ||
    !(ACR_VALUES as readonly string[]).includes(acr) ||
    !Array.isArray(amr) ||
    !amr.every((method) => typeof method === 'string') ||
    typeof authTime !== 'number' ||
    !Number.isSafeInteger(authTime)
  ) {
    return 'invalid';
  }
  return { acr: acr as AcrValue, amr: amr as string[], authTime };
}

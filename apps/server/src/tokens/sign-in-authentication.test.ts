import { describe, expect, it } from 'vitest';
import { acrSatisfies, passwordSignIn, secondFactorSignIn, signInFromClaims } from './sign-in-authentication.js';

const SIGNED_IN_MS = 1_796_000_000_999;
const SIGNED_IN_SECONDS = 1_796_000_000;

describe('sign-in authentication', () => {
  it('records a password sign-in as pwd and a second factor as mfa with otp, in whole seconds', () => {
    expect(passwordSignIn(SIGNED_IN_MS)).toEqual({ acr: 'pwd', amr: ['pwd'], authTime: SIGNED_IN_SECONDS });
    expect(secondFactorSignIn(SIGNED_IN_MS)).toEqual({ acr: 'mfa', amr: ['pwd', 'otp'], authTime: SIGNED_IN_SECONDS });
  });

  it('lets mfa satisfy pwd, never pwd satisfy mfa', () => {
    expect(acrSatisfies('mfa', 'pwd')).toBe(true);
    expect(acrSatisfies('mfa', 'mfa')).toBe(true);
    expect(acrSatisfies('pwd', 'pwd')).toBe(true);
    expect(acrSatisfies('pwd', 'mfa')).toBe(false);
  });

  it('reads the claims back as written, and a token without them as no sign-in', () => {
    expect(signInFromClaims({ acr: 'mfa', amr: ['pwd', 'otp'], auth_time: SIGNED_IN_SECONDS })).toEqual(secondFactorSignIn(SIGNED_IN_MS));
    expect(signInFromClaims({ acr: 'pwd', amr: [], auth_time: 0 })).toEqual({ acr: 'pwd', amr: [], authTime: 0 });
    expect(signInFromClaims({})).toBeUndefined();
  });

  it('calls anything this server never writes invalid, even one claim of the three alone', () => {
    const valid = { acr: 'pwd', amr: ['pwd'], auth_time: SIGNED_IN_SECONDS };
    const forged = [
      { acr: 'pwd' },
      { amr: ['pwd'] },
      { auth_time: SIGNED_IN_SECONDS },
      { ...valid, acr: 'hwk' },
      { ...valid, acr: 2 },
      { ...valid, amr: 'pwd' },
      { ...valid, amr: ['pwd', 1] },
      { ...valid, auth_time: String(SIGNED_IN_SECONDS) },
      { ...valid, auth_time: SIGNED_IN_SECONDS + 0.5 },
      { ...valid, auth_time: 2 ** 60 },
    ];
    for (const claims of forged) expect(signInFromClaims(claims), JSON.stringify(claims)).toBe('invalid');
  });
});

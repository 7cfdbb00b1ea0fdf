import { describe, expect, it } from 'vitest';
import type { SignInAuthentication } from '../tokens/sign-in-authentication.js';
import type { Principal } from './principal.js';
import { meetsStepUp, stepUpChallenge } from './step-up.js';

const NOW_SECONDS = 10_000;

function signedIn(authentication: SignInAuthentication | undefined): Principal {
  return {
    kind: 'user',
    userId: 'user-1',
    scopes: [],
    credential: { type: 'access_token', jti: 'jti-1', clientId: 'gatehouse', expiresAt: NOW_SECONDS + 900, authentication },
  };
}

const mfaAt = (authTime: number): SignInAuthentication => ({ acr: 'mfa', amr: ['pwd', 'otp'], authTime });
const passwordAt = (authTime: number): SignInAuthentication => ({ acr: 'pwd', amr: ['pwd'], authTime });

describe('meetsStepUp', () => {
  it('admits a sign-in with a second factor for an mfa requirement, and refuses a password-only one', () => {
    expect(meetsStepUp(signedIn(mfaAt(NOW_SECONDS)), { acr: 'mfa' }, NOW_SECONDS)).toBe(true);
    expect(meetsStepUp(signedIn(passwordAt(NOW_SECONDS)), { acr: 'mfa' }, NOW_SECONDS)).toBe(false);
  });

  it('admits a sign-in exactly max_age old, and refuses one a second older', () => {
    expect(meetsStepUp(signedIn(passwordAt(NOW_SECONDS - 300)), { maxAgeSeconds: 300 }, NOW_SECONDS)).toBe(true);
    expect(meetsStepUp(signedIn(passwordAt(NOW_SECONDS - 301)), { maxAgeSeconds: 300 }, NOW_SECONDS)).toBe(false);
  });

  it('needs both halves of a combined requirement', () => {
    const requirement = { acr: 'mfa', maxAgeSeconds: 300 } as const;
    expect(meetsStepUp(signedIn(mfaAt(NOW_SECONDS - 10)), requirement, NOW_SECONDS)).toBe(true);
    expect(meetsStepUp(signedIn(mfaAt(NOW_SECONDS - 301)), requirement, NOW_SECONDS)).toBe(false);
    expect(meetsStepUp(signedIn(passwordAt(NOW_SECONDS - 10)), requirement, NOW_SECONDS)).toBe(false);
  });

  it('never admits a credential no person signed in with: an API key, a certificate, a token without a sign-in', () => {
    const apiKey: Principal = { kind: 'user', userId: 'user-1', scopes: [], credential: { type: 'api_key', keyId: 'key-1' } };
    const service: Principal = { kind: 'service', id: 'billing', scopes: [], credential: { type: 'certificate', fingerprint: 'ab' } };
    for (const principal of [apiKey, service, signedIn(undefined)]) {
      expect(meetsStepUp(principal, { maxAgeSeconds: 300 }, NOW_SECONDS)).toBe(false);
    }
  });
});

describe('stepUpChallenge', () => {
  it('names all of the requirement, and nothing it does not hold', () => {
    expect(stepUpChallenge({ acr: 'mfa', maxAgeSeconds: 300 })).toEqual({ acrValues: ['mfa'], maxAge: 300 });
    expect(stepUpChallenge({ acr: 'mfa' })).toEqual({ acrValues: ['mfa'] });
    expect(stepUpChallenge({ maxAgeSeconds: 60 })).toEqual({ maxAge: 60 });
    expect(stepUpChallenge({})).toEqual({});
  });
});

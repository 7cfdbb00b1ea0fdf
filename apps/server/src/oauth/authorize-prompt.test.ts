import { describe, expect, it } from 'vitest';
import { readAuthenticationRequirement, requiredAcr, sessionSatisfies } from './authorize-prompt.js';
import type { UserRecord } from '../stores/user-store.js';
import { AuthorizationRedirectError } from './authorize-request.js';

const NOW = 1_800_000_000;

describe('prompt and max_age (OIDC Core section 3.1.2.1)', () => {
  it('lets a session stand in for the password unless the request forces a login', () => {
    expect(sessionSatisfies(readAuthenticationRequirement({}), NOW - 86_400, NOW)).toBe(true);
    expect(sessionSatisfies(readAuthenticationRequirement({ prompt: 'consent' }), NOW, NOW)).toBe(true);
    expect(sessionSatisfies(readAuthenticationRequirement({ prompt: 'login' }), NOW, NOW)).toBe(false);
    expect(sessionSatisfies(readAuthenticationRequirement({ prompt: 'select_account' }), NOW, NOW)).toBe(false);
  });

  it('takes a session no older than max_age, and treats max_age=0 as prompt=login', () => {
    expect(sessionSatisfies(readAuthenticationRequirement({ max_age: '60' }), NOW - 60, NOW)).toBe(true);
    expect(sessionSatisfies(readAuthenticationRequirement({ max_age: '60' }), NOW - 61, NOW)).toBe(false);
    expect(sessionSatisfies(readAuthenticationRequirement({ max_age: '0' }), NOW, NOW)).toBe(false);
  });

  it('reads prompt=none as silent', () => {
    expect(readAuthenticationRequirement({ prompt: 'none' })).toEqual({ silent: true, forceLogin: false, maxAgeSeconds: undefined, acr: undefined });
  });

  it('requires mfa when acr_values names it anywhere, and always for a user with a confirmed second factor', () => {
    const plain: UserRecord = { id: 'u1', email: 'a@example.test', name: 'A', role: 'user', passwordHash: 'x', createdAt: new Date(0) };
    const factor = { method: 'totp', sealedSecret: 'sealed', recoveryCodeHashes: [], lastTimeStep: 0 } as const;
    const pending: UserRecord = { ...plain, secondFactor: factor };
    const enrolled: UserRecord = { ...plain, secondFactor: { ...factor, confirmedAtMs: 1 } };
    expect(readAuthenticationRequirement({ acr_values: 'urn:other mfa' }).acr).toBe('mfa');
    expect(readAuthenticationRequirement({ acr_values: 'pwd' }).acr).toBeUndefined();
    expect(readAuthenticationRequirement({ acr_values: 'mfaX' }).acr).toBeUndefined();
    expect(requiredAcr(readAuthenticationRequirement({}), plain)).toBe('pwd');
    expect(requiredAcr(readAuthenticationRequirement({ acr_values: 'mfa' }), plain)).toBe('mfa');
    expect(requiredAcr(readAuthenticationRequirement({}), pending)).toBe('pwd');
    expect(requiredAcr(readAuthenticationRequirement({}), enrolled)).toBe('mfa');
  });

  it.each([{ prompt: 'none login' }, { prompt: 'sometimes' }, { max_age: '-1' }, { max_age: '1.5' }, { max_age: 'soon' }])(
    'refuses %o as invalid_request',
    (parameters) => {
      expect(() => readAuthenticationRequirement(parameters)).toThrow(expect.objectContaining({ error: 'invalid_request' }) as AuthorizationRedirectError);
    },
  );
});

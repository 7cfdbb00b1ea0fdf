import { describe, expect, it } from 'vitest';
import { readAuthenticationRequirement, sessionSatisfies } from './authorize-prompt.js';
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
    expect(readAuthenticationRequirement({ prompt: 'none' })).toEqual({ silent: true, forceLogin: false, maxAgeSeconds: undefined });
  });

  it.each([{ prompt: 'none login' }, { prompt: 'sometimes' }, { max_age: '-1' }, { max_age: '1.5' }, { max_age: 'soon' }])(
    'refuses %o as invalid_request',
    (parameters) => {
      expect(() => readAuthenticationRequirement(parameters)).toThrow(expect.objectContaining({ error: 'invalid_request' }) as AuthorizationRedirectError);
    },
  );
});

import { describe, expect, it } from 'vitest';
import { wwwAuthenticateFor } from './www-authenticate.js';

describe('wwwAuthenticateFor', () => {
  it('has no error when no credential was presented (RFC 6750 section 3.1)', () => {
    expect(wwwAuthenticateFor({ reason: 'missing_credentials' })).toBe('Bearer realm="gatehouse"');
    expect(wwwAuthenticateFor({ reason: 'invalid_credentials' })).toBe('Bearer realm="gatehouse"');
  });

  it('says invalid_token for every credential that does not hold', () => {
    for (const reason of ['invalid_token', 'expired_token', 'revoked_token'] as const) {
      expect(wwwAuthenticateFor({ reason })).toMatch(/^Bearer realm="gatehouse", error="invalid_token", error_description="[^"]+"$/);
    }
  });

  it('names the required scopes for insufficient_scope (RFC 6750 section 3)', () => {
    expect(
      wwwAuthenticateFor({ reason: 'insufficient_scope', requiredScopes: ['orders:read', 'admin'], missingScopes: ['admin'] }),
    ).toBe('Bearer realm="gatehouse", error="insufficient_scope", scope="orders:read admin"');
  });

  it('sends no Bearer challenge for a role refusal, which no token could cure', () => {
    expect(wwwAuthenticateFor({ reason: 'forbidden_role' })).toBeUndefined();
  });
});

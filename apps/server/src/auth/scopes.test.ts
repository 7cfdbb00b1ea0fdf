import { ROLE_SCOPES, SCOPES } from '@gatehouse/contracts';
import { describe, expect, it } from 'vitest';
import { grantableScopes, missingScopes, scopesOfRole } from './scopes.js';

describe('missingScopes', () => {
  it('lists what is required but not held, in the order required', () => {
    expect(missingScopes(['orders:write', 'users:read', 'admin'], ['users:read'])).toEqual(['orders:write', 'admin']);
    expect(missingScopes(['orders:read'], ['orders:read', 'admin'])).toEqual([]);
    expect(missingScopes([], [])).toEqual([]);
    expect(missingScopes(['admin'], [])).toEqual(['admin']);
  });
});

describe('grantableScopes', () => {
  const userScopes = scopesOfRole('user');

  it('grants everything the subject holds when nothing narrower was asked or allowed', () => {
    expect(grantableScopes({ requested: undefined, clientAllows: undefined, subjectHolds: userScopes })).toEqual([...userScopes]);
  });

  it('is the intersection of asked, client-allowed and held', () => {
    expect(
      grantableScopes({ requested: ['orders:read', 'orders:write', 'admin'], clientAllows: ['orders:read', 'admin'], subjectHolds: userScopes }),
    ).toEqual(['orders:read']);
  });

  it('never grants a scope the subject does not hold, however it is asked', () => {
    const granted = grantableScopes({ requested: ['admin'], clientAllows: ['admin'], subjectHolds: userScopes });
    expect(granted).toEqual([]);
  });

  it('grants nothing for an empty request, and orders the result like the subject’s list', () => {
    expect(grantableScopes({ requested: [], clientAllows: undefined, subjectHolds: userScopes })).toEqual([]);
    expect(grantableScopes({ requested: ['orders:read', 'users:read'], clientAllows: undefined, subjectHolds: SCOPES })).toEqual([
      'users:read',
      'orders:read',
    ]);
  });
});

describe('scopesOfRole', () => {
  it('gives users every scope but admin, and admins all', () => {
    expect(scopesOfRole('user')).not.toContain('admin');
    expect([...scopesOfRole('user'), 'admin'].sort()).toEqual([...SCOPES].sort());
    expect(scopesOfRole('admin')).toEqual(ROLE_SCOPES.admin);
  });
});

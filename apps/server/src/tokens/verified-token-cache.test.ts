import { describe, expect, it } from 'vitest';
import { generateEphemeralSigningKeys } from './signing-keys.js';
import { createAccessTokens } from './access-tokens.js';
import type { VerifiedAccessToken } from './verified-access-token.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

const verified = (expiresAt: number, jti = 'j'): VerifiedAccessToken => ({
  subject: 's',
  clientId: 'gatehouse',
  scopes: ['users:read'],
  jti,
  grant: 'user',
  sessionId: undefined,
  issuedAt: expiresAt - 900,
  expiresAt,
});

describe('verified-token cache', () => {
  it('never holds more than maxEntries, evicting the least recently used', () => {
    const cache = createVerifiedTokenCache({ maxEntries: 3, now: () => 0 });
    for (let index = 0; index < 1000; index += 1) cache.set(`token-${index}`, verified(10_000, String(index)));
    expect(cache.size).toBe(3);
    expect(cache.get('token-0')).toBeUndefined();
    expect(cache.get('token-997')?.jti).toBe('997');
    cache.set('token-new', verified(10_000, 'new'));
    // 997 was just used, so 998 went first.
    expect(cache.get('token-998')).toBeUndefined();
    expect(cache.get('token-997')?.jti).toBe('997');
  });

  it('forgets a token from its exp on, and never stores an expired one', () => {
    let now = 1_000_000;
    const cache = createVerifiedTokenCache({ maxEntries: 10, now: () => now });
    cache.set('a', verified(1_001));
    expect(cache.get('a')).toBeDefined();
    now = 1_001_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('b', verified(1_000));
    expect(cache.size).toBe(0);
    // From the exp second on, not even stored: a token expiring now is refused by every later check.
    cache.set('c', verified(1_001));
    expect(cache.size).toBe(0);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createVerifiedTokenCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('access tokens with the cache', () => {
  it('verifies a token once, answers repeats from the cache, and still refuses it once expired', async () => {
    let now = Date.UTC(2030, 0, 1);
    const keys = await generateEphemeralSigningKeys();
    const cache = createVerifiedTokenCache({ maxEntries: 10, now: () => now });
    const tokens = createAccessTokens({ keys, issuer: 'https://gh.test', audience: 'https://gh.test', ttlSeconds: 60, now: () => now, cache });
    const { token } = await tokens.issue({ subject: 'u1', clientId: 'gatehouse', scopes: ['users:read'], grant: 'user' });
    const first = await tokens.verify(token);
    expect(cache.size).toBe(1);
    expect(await tokens.verify(token)).toBe(first);
    now += 60_000;
    await expect(tokens.verify(token)).rejects.toMatchObject({ data: { reason: 'expired_token' } });
  });

  it('never caches a token that failed verification', async () => {
    const keys = await generateEphemeralSigningKeys();
    const cache = createVerifiedTokenCache({ maxEntries: 10 });
    const tokens = createAccessTokens({ keys, issuer: 'https://gh.test', audience: 'https://gh.test', ttlSeconds: 60, cache });
    const { token } = await tokens.issue({ subject: 'u1', clientId: 'gatehouse', scopes: ['users:read'], grant: 'user' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const tampered = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    await expect(tokens.verify(tampered)).rejects.toMatchObject({ data: { reason: 'invalid_token' } });
    await expect(tokens.verify(tampered)).rejects.toMatchObject({ data: { reason: 'invalid_token' } });
    expect(cache.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { AuthorizationCodeGrant, AuthorizationCodeStore } from './authorization-code-store.js';

const GRANT: AuthorizationCodeGrant = {
  clientId: 'web',
  redirectUri: 'http://127.0.0.1:5173/cb',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  userId: '6f1c1f8e-8d3e-4c62-9a4e-1d2b3c4d5e6f',
  scopes: ['users:read', 'orders:read'],
};

/**
 * The behaviour every AuthorizationCodeStore must have, run against each
 * implementation. `create` returns a fresh, empty store.
 */
export function describeAuthorizationCodeStore(name: string, create: () => Promise<AuthorizationCodeStore>): void {
  describe(`AuthorizationCodeStore: ${name}`, () => {
    it('redeems a saved code once, then reports every later use as reuse', async () => {
      const store = await create();
      await store.save('hash-a', GRANT, 60);
      expect(await store.redeem('hash-a')).toEqual({ status: 'valid', grant: GRANT });
      expect(await store.redeem('hash-a')).toEqual({ status: 'reused', grant: GRANT, issued: undefined });
    });

    it('does not know codes it never saved', async () => {
      const store = await create();
      expect(await store.redeem('never-saved')).toEqual({ status: 'unknown' });
    });

    it('lets exactly one of many concurrent redemptions succeed', async () => {
      const store = await create();
      await store.save('hash-race', GRANT, 60);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.redeem('hash-race')));
      expect(results.filter((result) => result.status === 'valid')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'reused')).toHaveLength(19);
    });

    it('returns what a code issued when it is replayed, so those tokens can be revoked', async () => {
      const store = await create();
      await store.save('hash-issued', GRANT, 60);
      await store.redeem('hash-issued');
      const issued = { familyId: 'family-1', accessTokenJti: 'jti-1', accessTokenExpiresAt: 1_900_000_000 };
      await store.recordIssued('hash-issued', issued, 600);
      expect(await store.redeem('hash-issued')).toEqual({ status: 'reused', grant: GRANT, issued });
    });

    it('forgets a code after its lifetime', async () => {
      const store = await create();
      await store.save('hash-short', GRANT, 1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await store.redeem('hash-short')).toEqual({ status: 'unknown' });
    });
  });
}

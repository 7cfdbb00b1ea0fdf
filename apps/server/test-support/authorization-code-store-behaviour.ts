import { describe, expect, it } from 'vitest';
import type { AuthorizationCodeGrant, AuthorizationCodeStore } from '../src/stores/authorization-code-store.js';

const GRANT: AuthorizationCodeGrant = {
  clientId: 'web',
  redirectUri: 'http://127.0.0.1:5173/cb',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  userId: '6f1c1f8e-8d3e-4c62-9a4e-1d2b3c4d5e6f',
  scopes: ['users:read', 'orders:read'],
};

const ISSUED = { familyId: 'family-1', accessTokenJti: 'jti-1', accessTokenExpiresAt: 1_900_000_000 };

/**
 * The behaviour every AuthorizationCodeStore must have, run against each
 * implementation. `create` returns a fresh, empty store.
 */
export function describeAuthorizationCodeStore(name: string, create: () => Promise<AuthorizationCodeStore>): void {
  describe(`AuthorizationCodeStore: ${name}`, () => {
    it('redeems a saved code once, then reports every later use as reuse', async () => {
      const store = await create();
      await store.save('hash-a', GRANT, 60);
      expect(await store.redeem('hash-a', 600)).toEqual({ status: 'valid', grant: GRANT });
      expect(await store.redeem('hash-a', 600)).toEqual({ status: 'reused', grant: GRANT });
    });

    it('does not know codes it never saved', async () => {
      const store = await create();
      expect(await store.redeem('never-saved', 600)).toEqual({ status: 'unknown' });
    });

    it('lets exactly one of many concurrent redemptions succeed', async () => {
      const store = await create();
      await store.save('hash-race', GRANT, 60);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.redeem('hash-race', 600)));
      expect(results.filter((result) => result.status === 'valid')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'reused')).toHaveLength(19);
    });

    it('hands a replay what the code issued once it is recorded, so those tokens can be revoked', async () => {
      const store = await create();
      await store.save('hash-issued', GRANT, 60);
      await store.redeem('hash-issued', 600);
      expect(await store.recordIssued('hash-issued', ISSUED)).toBe('recorded');
      expect(await store.redeem('hash-issued', 600)).toEqual({ status: 'reused', grant: GRANT });
      expect(await store.markReplayed('hash-issued')).toEqual(ISSUED);
    });

    it('tells the issuer when a replay came before the record, so the issuer revokes what it issued', async () => {
      const store = await create();
      await store.save('hash-early-replay', GRANT, 60);
      await store.redeem('hash-early-replay', 600);
      expect(await store.markReplayed('hash-early-replay')).toBeUndefined();
      expect(await store.recordIssued('hash-early-replay', ISSUED)).toBe('replayed');
    });

    it('settles every interleaving of issuance and replay with exactly one party holding the tokens to revoke', async () => {
      for (let trial = 0; trial < 50; trial += 1) {
        const store = await create();
        const hash = `hash-interleave-${trial}`;
        await store.save(hash, GRANT, 60);
        await store.redeem(hash, 600);
        const [recording, seenByReplay] = await Promise.all([store.recordIssued(hash, ISSUED), store.markReplayed(hash)]);
        const revokers = [recording === 'replayed' ? 'issuer' : undefined, seenByReplay === undefined ? undefined : 'replay'];
        expect(revokers.filter((revoker) => revoker !== undefined)).toHaveLength(1);
      }
    });

    it('keeps a redeemed code long enough to recognise a late replay', async () => {
      const store = await create();
      await store.save('hash-remember', GRANT, 1);
      await store.redeem('hash-remember', 600);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await store.redeem('hash-remember', 600)).toEqual({ status: 'reused', grant: GRANT });
    });

    it('forgets a code after its lifetime', async () => {
      const store = await create();
      await store.save('hash-short', GRANT, 1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await store.redeem('hash-short', 600)).toEqual({ status: 'unknown' });
    });
  });
}

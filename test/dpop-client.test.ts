import { createDpopFetch, createDpopSigner, createGatehouseClient, UnauthorizedError } from '@gatehouse/client';
import { isSecondFactorChallenge } from '@gatehouse/contracts';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

/* The typed client's DPoP support over real HTTP: a non-extractable WebCrypto key signs every request's proof. */
const alice = { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password };

describe.each(['off', 'all'] as const)('the typed client with a DPoP signer (GATEHOUSE_DPOP_NONCE=%s)', (nonce) => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { GATEHOUSE_DPOP_NONCE: nonce } });
  });
  afterAll(() => gatehouse.close());

  it('signs in for DPoP-bound tokens and calls with them, retrying for the server nonce by itself', async () => {
    const signer = await createDpopSigner();
    const anonymous = createGatehouseClient({ url: gatehouse.url, fetch: createDpopFetch(signer) });
    const result = await anonymous.auth.login.mutate(alice);
    // Alice has no second factor: the login answers with tokens, never a challenge.
    if (isSecondFactorChallenge(result)) throw new Error('alice has no second factor');
    const grant = result;
    expect(grant.tokenType).toBe('DPoP');
    expect(decodeJwt(grant.accessToken)['cnf']).toHaveProperty('jkt');

    const client = createGatehouseClient({ url: gatehouse.url, accessToken: grant.accessToken, fetch: createDpopFetch(signer) });
    expect((await client.users.me.query()).email).toBe(alice.email);
    expect((await client.users.me.query()).email).toBe(alice.email);

    // The same token in a client without the key (a thief's) is refused.
    const thief = createGatehouseClient({ url: gatehouse.url, accessToken: grant.accessToken });
    await expect(thief.users.me.query()).rejects.toBeInstanceOf(UnauthorizedError);
    const otherKey = createGatehouseClient({ url: gatehouse.url, accessToken: grant.accessToken, fetch: createDpopFetch(await createDpopSigner()) });
    await expect(otherKey.users.me.query()).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

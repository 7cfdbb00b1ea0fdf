import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithPkce } from './support/authorize-form.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

/*
 * DPoP driven by an independent client, oauth4webapi (its `DPoP(client, keyPair)`
 * handle signs every proof and tracks nonces): the code and refresh flows, a
 * resource call, and what a thief holding only the token gets.
 */
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
/** A confidential client of the test seed: introspection (RFC 7662) needs client authentication. */
const billing: oauth.Client = { client_id: 'billing' };
const BILLING_SECRET = 'billing-test-secret-0123456789';
const redirectUri = 'http://127.0.0.1:5173/cb';
const alice = { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password };

async function discover(gatehouse: RunningGatehouse): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(gatehouse.url);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true, algorithm: 'oauth2' }));
}

/** A fetch that remembers the DPoP proofs oauth4webapi sent, so a test can replay one. */
function recordingFetch(proofs: string[]) {
  return async (url: string, init: oauth.CustomFetchOptions<string, unknown>): Promise<Response> => {
    const proof = init.headers['dpop'];
    if (proof !== undefined) proofs.push(proof);
    return fetch(url, init as RequestInit);
  };
}

/** Runs an oauth4webapi step, retrying once when the server asks for its DPoP nonce (the handle kept it). */
async function withNonceRetry<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return step();
  }
}

describe.each(['off', 'token'] as const)('oauth4webapi DPoP flows (GATEHOUSE_DPOP_NONCE=%s)', (nonce) => {
  let gatehouse: RunningGatehouse;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { GATEHOUSE_DPOP_NONCE: nonce } });
    as = await discover(gatehouse);
  });
  afterAll(() => gatehouse.close());

  it('gets DPoP-bound tokens by code and refresh, calls with them, and a thief with the token alone fails', async () => {
    expect(as.dpop_signing_alg_values_supported).toContain('ES256');
    const proofs: string[] = [];
    const options = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: recordingFetch(proofs) };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(web, keyPair);

    const { params, codeVerifier } = await authorizeWithPkce(as, web, { redirectUri, user: alice });
    const tokens = await withNonceRetry(async () =>
      oauth.processAuthorizationCodeResponse(
        as,
        web,
        await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, redirectUri, codeVerifier, { ...options, DPoP }),
      ),
    );
    expect(tokens.token_type).toBe('dpop');

    const meUrl = new URL(`${gatehouse.url}/trpc/users.me`);
    const call = await oauth.protectedResourceRequest(tokens.access_token, 'GET', meUrl, undefined, undefined, { ...options, DPoP });
    expect(call.status).toBe(200);
    expect(((await call.json()) as { result: { data: { email: string } } }).result.data.email).toBe(alice.email);

    // A stolen token replayed without the key: as a Bearer token, or with a proof of the thief's own key.
    const asBearer = await fetch(meUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);
    const thief = oauth.DPoP(web, await oauth.generateKeyPair('ES256'));
    // oauth4webapi parses the challenge itself: the DPoP scheme, invalid_token, and the algorithms it may sign with.
    const thiefError = await oauth
      .protectedResourceRequest(tokens.access_token, 'GET', meUrl, undefined, undefined, { ...options, DPoP: thief })
      .catch((error: unknown) => error);
    expect(thiefError).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const [challenge] = (thiefError as oauth.WWWAuthenticateChallengeError).cause;
    expect(challenge?.scheme).toBe('dpop');
    expect(challenge?.parameters.error).toBe('invalid_token');
    expect(challenge?.parameters['algs']).toContain('ES256');

    // A proof captured on the wire, replayed with its token, is refused: its jti was spent.
    const replayed = await fetch(meUrl, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: proofs.at(-2)! } });
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');

    // The refresh token is bound too: the thief's key cannot refresh it; the owner's can.
    await expect(
      withNonceRetry(async () =>
        oauth.processRefreshTokenResponse(as, web, await oauth.refreshTokenGrantRequest(as, web, oauth.None(), tokens.refresh_token!, { ...options, DPoP: thief })),
      ),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const refreshed = await withNonceRetry(async () =>
      oauth.processRefreshTokenResponse(as, web, await oauth.refreshTokenGrantRequest(as, web, oauth.None(), tokens.refresh_token!, { ...options, DPoP })),
    );
    expect(refreshed.token_type).toBe('dpop');
    const again = await oauth.protectedResourceRequest(refreshed.access_token, 'GET', meUrl, undefined, undefined, { ...options, DPoP });
    expect(again.status).toBe(200);
  });

  it('introspects DPoP-bound access and refresh tokens with cnf.jkt, the key’s RFC 7638 thumbprint (RFC 9449 section 6.2)', async () => {
    const options = { [oauth.allowInsecureRequests]: true };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(web, keyPair);
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
    const { params, codeVerifier } = await authorizeWithPkce(as, web, { redirectUri, user: alice });
    const tokens = await withNonceRetry(async () =>
      oauth.processAuthorizationCodeResponse(
        as,
        web,
        await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, redirectUri, codeVerifier, { ...options, DPoP }),
      ),
    );
    const introspect = async (token: string) =>
      oauth.processIntrospectionResponse(as, billing, await oauth.introspectionRequest(as, billing, oauth.ClientSecretBasic(BILLING_SECRET), token, options));

    const access = await introspect(tokens.access_token);
    expect(access).toMatchObject({ active: true, token_type: 'DPoP', client_id: 'web', acr: 'pwd', amr: ['pwd'], auth_time: expect.any(Number) });
    expect(access.cnf).toEqual({ jkt });
    const refresh = await introspect(tokens.refresh_token!);
    expect(refresh).toMatchObject({ active: true, token_type: 'refresh_token', cnf: { jkt } });

    // The same flow without DPoP: a bearer token, and no cnf to hold anyone to.
    const plainGrant = await authorizeWithPkce(as, web, { redirectUri, user: alice });
    const plain = await oauth.processAuthorizationCodeResponse(
      as,
      web,
      await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), plainGrant.params, redirectUri, plainGrant.codeVerifier, options),
    );
    const bearer = await introspect(plain.access_token);
    expect(bearer).toMatchObject({ active: true, token_type: 'Bearer' });
    expect(bearer.cnf).toBeUndefined();
    expect((await introspect(plain.refresh_token!)).cnf).toBeUndefined();
  });
});

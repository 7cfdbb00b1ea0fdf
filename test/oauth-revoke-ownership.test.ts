import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure } from './support/http.js';
import { loginForSession, refreshWithBody, registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, type StoreVariant } from './support/store-variants.js';

const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
const options = { [oauth.allowInsecureRequests]: true };

/**
 * RFC 7009 section 2.1: a client may revoke only its own tokens. A public client needs no secret, so without
 * the ownership check anyone holding a user's first-party refresh token (or any client a user talks to) could
 * end that user's sessions through /oauth/revoke.
 */
describe.each(['memory', 'redis'] as const)('/oauth/revoke with another client’s token on the %s store', (storeName) => {
  let gatehouse: RunningGatehouse;
  let store: StoreVariant;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    store = storeName === 'redis' ? redisVariant('oauth-revoke-ownership') : memoryVariant();
    gatehouse = await startGatehouse({ env: await store.env() });
    const issuer = new URL(gatehouse.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
  });
  afterAll(async () => {
    await gatehouse.close();
    await store.cleanup();
  });

  it('answers 200 to a public client revoking a first-party refresh token and leaves the session working', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));

    const revocation = await oauth.revocationRequest(as, web, oauth.None(), session.refreshToken, options);
    expect(revocation.status).toBe(200);
    await oauth.processRevocationResponse(revocation);

    const refreshed = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(refreshed.status).toBe(200);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(refreshed.body.result.data.accessToken) })).status).toBe(200);
    expect(gatehouse.logLines().some((line) => line.includes('"token.revoked"') && line.includes(session.userId))).toBe(false);
  });
});

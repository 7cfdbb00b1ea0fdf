import { randomBytes, randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithPkce } from './support/authorize-form.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure } from './support/http.js';
import { loginForSession, refreshWithBody, registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
const options = { [oauth.allowInsecureRequests]: true };

/**
 * RFC 7009 section 2.1: a client may revoke only its own tokens. A public client needs no secret, so without
 * the ownership check anyone holding a user's first-party refresh token (or any client a user talks to) could
 * end that user's sessions through /oauth/revoke.
 */
describe.each(projectStores())('/oauth/revoke with another client’s token on the %s store', (storeName) => {
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

  it('answers 200 to tokens it never issued, as RFC 7009 section 2.2 asks, revoking nothing', async () => {
    // Shaped like a refresh token (family id and secret) but unknown; a JWT it did not sign; plain garbage.
    const unknownRefreshToken = `${randomUUID()}.${randomBytes(32).toString('base64url')}`;
    for (const token of [unknownRefreshToken, 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl', 'garbage']) {
      const revocation = await oauth.revocationRequest(as, web, oauth.None(), token, options);
      expect(revocation.status).toBe(200);
      await oauth.processRevocationResponse(revocation);
    }
  });

  it('revokes a client’s own refresh and access tokens, and records each as token.revoked for that client', async () => {
    const { params, codeVerifier } = await authorizeWithPkce(as, web, { redirectUri: REDIRECT_URI, user: TEST_USERS.alice });
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      web,
      await oauth.authorizationCodeGrantRequest(as, web, oauth.None(), params, REDIRECT_URI, codeVerifier, options),
    );
    const events = () =>
      gatehouse
        .logLines()
        .map((line) => JSON.parse(line) as { event?: { type: string; details: Record<string, unknown> } })
        .filter((line) => line.event?.type === 'token.revoked')
        .map((line) => line.event!.details);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, web, oauth.None(), tokens.access_token, options));
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(tokens.access_token) })).status).toBe(401);
    const [, payload] = tokens.access_token.split('.');
    const jti = (JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { jti: string }).jti;
    expect(events()).toContainEqual({ kind: 'access_token', jti, clientId: 'web' });

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, web, oauth.None(), tokens.refresh_token!, options));
    const refresh = await oauth.refreshTokenGrantRequest(as, web, oauth.None(), tokens.refresh_token!, options);
    await expect(oauth.processRefreshTokenResponse(as, web, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(events()).toContainEqual({ kind: 'refresh_token', familyId: expect.any(String), clientId: 'web' });
  });
});

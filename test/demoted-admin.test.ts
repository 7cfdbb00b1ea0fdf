import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithPkce } from './support/authorize-form.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { authReason, loginForSession, refreshWithBody, registerUser, type Credentials } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, type StoreVariant } from './support/store-variants.js';
import type { SeedInput } from '@gatehouse/server';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/**
 * An admin who is demoted keeps whatever credentials they already hold: an API
 * key minted with `admin`, an access token, a refresh token, an authorization
 * code. None of them may act as an admin after the demotion. Each test builds
 * its own admin, so it passes alone, shuffled or filtered.
 */
const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const adminConsole: oauth.Client = { client_id: 'admin-console', token_endpoint_auth_method: 'none' };
const options = { [oauth.allowInsecureRequests]: true };
const SEED: SeedInput = {
  ...TEST_SEED,
  clients: [
    ...TEST_SEED.clients,
    { clientId: 'admin-console', type: 'public', redirectUris: [REDIRECT_URI], scopes: ['users:read', 'admin'] },
  ],
};

describe.each(projectStores())('a demoted admin on the %s store', (storeName) => {
  let gatehouse: RunningGatehouse;
  let store: StoreVariant;
  let rootAdmin: { accessToken: string };

  beforeAll(async () => {
    store = storeName === 'redis' ? redisVariant('demoted-admin') : memoryVariant();
    gatehouse = await startGatehouse({ env: await store.env(), seed: SEED });
    rootAdmin = await login(gatehouse.url, TEST_USERS.admin);
  });
  afterAll(async () => {
    await gatehouse.close();
    await store.cleanup();
  });

  const setRole = (userId: string, role: 'user' | 'admin'): Promise<RawResponse> =>
    callProcedure(gatehouse.url, 'admin.users.setRole', { kind: 'mutation', input: { userId, role }, headers: bearer(rootAdmin.accessToken) });

  /** A fresh account promoted through the API, so demoting it touches no other test. */
  async function newAdmin(): Promise<Credentials & { id: string }> {
    const account = await registerUser(gatehouse.url);
    expect((await setRole(account.id, 'admin')).status).toBe(200);
    return account;
  }

  /**
   * A role changed in the user records by something other than admin.users.setRole (an operator's edit of
   * the shared store, another deployment's tool), which ends no session: the server must still judge every
   * credential against the role the records hold now.
   */
  const demoteInRecords = async (userId: string) => {
    expect((await gatehouse.server.deps.users.setRole(userId, 'user'))?.role).toBe('user');
  };

  const listUsers = (headers: Record<string, string>) => callProcedure(gatehouse.url, 'admin.users.list', { headers });

  it('drops admin from an API key minted before its owner was demoted: 403 insufficient_scope, not the role check', async () => {
    const account = await newAdmin();
    const session = await login(gatehouse.url, account);
    const created = await callProcedure(gatehouse.url, 'apiKeys.create', {
      kind: 'mutation',
      input: { name: 'admin automation', scopes: ['admin', 'users:read'] },
      headers: bearer(session.accessToken),
    });
    expect(created.status).toBe(200);
    const key = { 'x-api-key': created.body.result.data.key as string };
    expect((await listUsers(key)).status).toBe(200);

    expect((await setRole(account.id, 'user')).status).toBe(200);

    const refused = await listUsers(key);
    expect(refused.status).toBe(403);
    // The key's admin scope is gone (narrowed to the role), so the scope check refuses before the role check.
    expect(refused.body.error.data.auth).toEqual({ reason: 'insufficient_scope', requiredScopes: ['admin'], missingScopes: ['admin'] });
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: key });
    expect(me.status).toBe(200);
    expect(me.body.result.data.role).toBe('user');
  });

  it('refuses admin procedures with 403 forbidden_role to a token that still holds the admin scope once the records say user', async () => {
    const account = await newAdmin();
    const session = await login(gatehouse.url, account);
    expect((await listUsers(bearer(session.accessToken))).status).toBe(200);

    await demoteInRecords(account.id);

    const refused = await listUsers(bearer(session.accessToken));
    expect(refused.status).toBe(403);
    expect(authReason(refused)).toBe('forbidden_role');
    const audit = await callProcedure(gatehouse.url, 'admin.auditLog.list', { input: { limit: 1 }, headers: bearer(session.accessToken) });
    expect(audit.status).toBe(403);
    expect(authReason(audit)).toBe('forbidden_role');
    // The scopes it holds for ordinary procedures still work: only the role requirement refused.
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) })).status).toBe(200);
  });

  it('refreshes a demoted admin’s session into a token without admin, which admin procedures refuse', async () => {
    const account = await newAdmin();
    const session = await loginForSession(gatehouse.url, account);

    await demoteInRecords(account.id);

    const refreshed = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(refreshed.status).toBe(200);
    const grant = refreshed.body.result.data;
    expect(grant.scope.split(' ')).not.toContain('admin');
    expect(grant.scope.split(' ')).toContain('users:read');
    const refused = await listUsers(bearer(grant.accessToken));
    expect(refused.status).toBe(403);
    expect(authReason(refused)).toBe('insufficient_scope');
  });

  it('grants no admin scope for an authorization code its user approved as an admin and redeemed after the demotion', async () => {
    const account = await newAdmin();
    const issuer = new URL(gatehouse.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
    const { params, codeVerifier } = await authorizeWithPkce(as, adminConsole, { redirectUri: REDIRECT_URI, user: account, scope: 'users:read admin' });

    expect((await setRole(account.id, 'user')).status).toBe(200);

    const response = await oauth.authorizationCodeGrantRequest(as, adminConsole, oauth.None(), params, REDIRECT_URI, codeVerifier, options);
    const tokens = await oauth.processAuthorizationCodeResponse(as, adminConsole, response);
    expect(tokens.scope).toBe('users:read');
    const refused = await listUsers(bearer(tokens.access_token));
    expect(refused.status).toBe(403);
    expect(authReason(refused)).toBe('insufficient_scope');
  });
});

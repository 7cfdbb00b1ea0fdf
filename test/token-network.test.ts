import { createGatehouseClient, UnauthorizedError } from '@gatehouse/client';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, waitForAuditRecord } from './support/audit.js';
import { authorizeWithPkce } from './support/authorize-form.js';
import { bearer, callProcedure, login } from './support/http.js';
import { sampleValue, scrape } from './support/metrics.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { createStoredUser } from './support/stored-user.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/*
 * Token-theft signals over HTTP. The server trusts the loopback proxy, so
 * X-Forwarded-For chooses the network each call comes from: 203.0.113.0/24
 * is "home", 198.51.100.0/24 is somewhere else. Runs on memory (e2e), Redis
 * (e2e-redis) and PostgreSQL (e2e-postgres: the pinned clients are records
 * there): STORE_VARIANT_SUITES in vitest.config.ts.
 */
const HOME = '203.0.113.10';
const HOME_TOO = '203.0.113.200';
const ELSEWHERE = '198.51.100.7';
const PINNED_CLIENT = { clientId: 'pinned-billing', secret: 'pinned-billing-test-secret-0123' };
const PINNED_APP = { clientId: 'pinned-app', redirectUri: 'http://127.0.0.1:5174/cb' };

let gatehouse: RunningGatehouse;
let adminToken: string;

beforeAll(async () => {
  gatehouse = await startGatehouse({
    env: { GATEHOUSE_TRUST_PROXY: '127.0.0.1,::1' },
    seed: {
      ...TEST_SEED,
      clients: [
        ...TEST_SEED.clients,
        { clientId: PINNED_CLIENT.clientId, type: 'confidential', secret: PINNED_CLIENT.secret, grantTypes: ['client_credentials'], scopes: ['orders:read'], pinNetwork: true },
        { clientId: PINNED_APP.clientId, type: 'public', redirectUris: [PINNED_APP.redirectUri], scopes: ['users:read', 'orders:read'], pinNetwork: true },
      ],
    },
  });
  adminToken = (await login(gatehouse.url, TEST_USERS.admin)).accessToken;
});
afterAll(() => gatehouse.close());

const from = (ip: string) => ({ 'x-forwarded-for': ip });

async function loginFrom(ip: string, user: { email: string; password: string }) {
  const response = await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email: user.email, password: user.password }, headers: from(ip) });
  expect(response.status).toBe(200);
  return response.body.result.data as { accessToken: string; user: { id: string } };
}

const changes = async (pinned: 'true' | 'false') =>
  sampleValue(await scrape(gatehouse.server.metrics.url), 'gatehouse_token_network_changes_total', { pinned });

describe('a token used from another network', () => {
  it('works unpinned, and is logged once per token as token.ip_mismatch with both networks’ hashes; every use is counted', async () => {
    // A user of its own: other tests move Alice's tokens too, and the count below is of this token's records.
    const alice = await loginFrom(HOME, await createStoredUser(gatehouse, 'mover'));
    const before = await changes('false');
    const sameNetwork = await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(alice.accessToken), ...from(HOME_TOO) } });
    expect(sameNetwork.status).toBe(200);
    expect(await changes('false')).toBe(before);

    const moved = await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(alice.accessToken), ...from(ELSEWHERE) } });
    expect(moved.status).toBe(200);
    const record = await waitForAuditRecord(gatehouse.url, adminToken, 'token.ip_mismatch', (r) => r.principal === `user:${alice.user.id}`);
    expect(record.ip).toBe(ELSEWHERE);
    expect(record.requestId).toMatch(/\S/);
    const { issuedNetwork, callNetwork, pinned } = record.details;
    expect(issuedNetwork).toMatch(/^[\w-]{22}$/);
    expect(callNetwork).toMatch(/^[\w-]{22}$/);
    expect(issuedNetwork).not.toBe(callNetwork);
    expect(pinned).toBe(false);
    // The hashes say nothing readable about either network.
    expect(JSON.stringify(record.details)).not.toMatch(/203\.0\.113|198\.51\.100/);

    expect((await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(alice.accessToken), ...from(ELSEWHERE) } })).status).toBe(200);
    expect(await changes('false')).toBe(before + 2);
    const records = (await listAudit(gatehouse.url, adminToken, { type: 'token.ip_mismatch', principal: `user:${alice.user.id}` })).items;
    expect(records).toHaveLength(1);
  });

  it('is refused on a network-pinned contract (apiKeys.create): 401 invalid_token, detail network_changed', async () => {
    const bob = await loginFrom(HOME, TEST_USERS.bob);
    const create = (ip: string) =>
      callProcedure(gatehouse.url, 'apiKeys.create', { kind: 'mutation', input: { name: 'k', scopes: ['users:read'] }, headers: { ...bearer(bob.accessToken), ...from(ip) } });
    const refused = await create(ELSEWHERE);
    expect(refused.status).toBe(401);
    expect(refused.body.error.data.auth).toEqual({ reason: 'invalid_token', detail: 'network_changed' });
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await create(HOME_TOO)).status).toBe(200);
  });

  it('from a client that pins its tokens, is refused everywhere but its network, and the typed client says why', async () => {
    const issued = await fetch(`${gatehouse.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...from(HOME) },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: PINNED_CLIENT.clientId, client_secret: PINNED_CLIENT.secret }),
    });
    expect(issued.status).toBe(200);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const before = await changes('true');
    const clientFrom = (ip: string) =>
      createGatehouseClient({ url: gatehouse.url, accessToken: token, fetch: (input, init) => fetch(input as string, { ...(init as RequestInit), headers: { ...(init?.headers as Record<string, string>), ...from(ip) } }) });

    await expect(clientFrom(HOME_TOO).orders.list.query({})).resolves.toMatchObject({ items: expect.any(Array) });
    const error = await clientFrom(ELSEWHERE).orders.list.query({}).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ reason: 'invalid_token', detail: 'network_changed', httpStatus: 401 });
    expect(await changes('true')).toBe(before + 1);
    const record = await waitForAuditRecord(gatehouse.url, adminToken, 'token.ip_mismatch', (r) => r.principal === `client:${PINNED_CLIENT.clientId}`);
    expect(record.details['pinned']).toBe(true);
  });
});

describe('a client that pins its tokens, by every grant', () => {
  /** A token endpoint request from `ip`, as the pinned public client (PKCE, no secret). */
  async function tokenRequest(ip: string, form: Record<string, string>) {
    const response = await fetch(`${gatehouse.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...from(ip) },
      body: new URLSearchParams({ client_id: PINNED_APP.clientId, ...form }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; refresh_token: string };
  }
  const me = (token: string, ip: string) => callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(token), ...from(ip) } });

  it('pins the authorization code’s token to the network that redeemed it, and a refreshed one to the network that refreshed', async () => {
    const issuer = new URL(gatehouse.url);
    const insecure = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: PINNED_APP.clientId, token_endpoint_auth_method: 'none' };
    const { params, codeVerifier } = await authorizeWithPkce(as, client, { redirectUri: PINNED_APP.redirectUri, user: TEST_USERS.alice });
    const before = await changes('true');

    const issued = await tokenRequest(HOME, { grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: PINNED_APP.redirectUri, code_verifier: codeVerifier });
    expect((await me(issued.access_token, HOME_TOO)).status).toBe(200);
    const moved = await me(issued.access_token, ELSEWHERE);
    expect(moved.status).toBe(401);
    expect(moved.body.error.data.auth).toEqual({ reason: 'invalid_token', detail: 'network_changed' });
    expect(moved.headers.get('www-authenticate')).toContain('error="invalid_token"');

    // The remedy the 401 names: a new token. Refreshed from the new network, it is pinned there instead.
    const refreshed = await tokenRequest(ELSEWHERE, { grant_type: 'refresh_token', refresh_token: issued.refresh_token });
    expect((await me(refreshed.access_token, ELSEWHERE)).status).toBe(200);
    const back = await me(refreshed.access_token, HOME);
    expect(back.status).toBe(401);
    expect(back.body.error.data.auth).toEqual({ reason: 'invalid_token', detail: 'network_changed' });
    expect(await changes('true')).toBe(before + 2);
  });
});

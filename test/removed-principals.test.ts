import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateJwk } from '../apps/server/src/tokens/signing-keys.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, type RawResponse } from './support/http.js';
import { authReason, loginForSession, registerUser } from './support/sessions.js';
import { findFreePort } from './support/start-gatehouse.js';
import { TEST_SEED } from './support/test-seed.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

const BILLING = TEST_SEED.clients[1];

async function clientCredentialsToken(url: string): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${BILLING.clientId}:${BILLING.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }),
  });
  if (response.status !== 200) throw new Error(`client_credentials failed: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

function expectInvalidToken(response: RawResponse): void {
  expect(response.status).toBe(401);
  expect(authReason(response)).toBe('invalid_token');
  expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
}

describe.each(projectStores())('tokens of removed principals, on the %s store', (backend) => {
  /** Two servers of one deployment, one after the other: same signing keys and issuer, the second with a changed seed. */
  let before: GatehouseOnBackend;
  let after: GatehouseOnBackend;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    const keysFile = join(await mkdtemp(join(tmpdir(), 'gatehouse-removed-')), 'keys.json');
    await writeFile(keysFile, JSON.stringify({ keys: [await generatePrivateJwk('ES256')] }));
    const issuer = `http://127.0.0.1:${await findFreePort()}`;
    const env = { GATEHOUSE_SIGNING_KEYS_FILE: keysFile, GATEHOUSE_ISSUER: issuer };
    const now = () => Date.now() + clockOffsetMs;
    before = await startOnBackend(backend, 'removed-before', { env, now });
    // The billing client leaves the registry; the users registered on `before` do not exist on `after`'s store.
    after = await startOnBackend(backend, 'removed-after', { env, now, seed: { ...TEST_SEED, clients: [TEST_SEED.clients[0]] } });
  });
  afterAll(async () => {
    await before?.close();
    await after?.close();
  });

  it('refuses a client_credentials token once its client has left the registry', async () => {
    const token = await clientCredentialsToken(before.url);
    expect((await callProcedure(before.url, 'orders.list', { headers: bearer(token) })).status).toBe(200);
    expectInvalidToken(await callProcedure(after.url, 'orders.list', { headers: bearer(token) }));
  });

  it('refuses a user’s valid token once the user record is gone, instead of a 404 from users.me', async () => {
    const session = await loginForSession(before.url, await registerUser(before.url));
    expect((await callProcedure(before.url, 'users.me', { headers: bearer(session.accessToken) })).status).toBe(200);
    expectInvalidToken(await callProcedure(after.url, 'users.me', { headers: bearer(session.accessToken) }));
    expectInvalidToken(await callProcedure(after.url, 'orders.list', { headers: bearer(session.accessToken) }));
  });
});

describe('a user deleted while the server runs (Redis store)', () => {
  let gatehouse: GatehouseOnBackend;
  let clockOffsetMs = 0;
  beforeAll(async () => {
    gatehouse = await startOnBackend('redis', 'removed-live', { now: () => Date.now() + clockOffsetMs });
  });
  afterAll(() => gatehouse.close());

  it('refuses the user’s token within a second of the record’s deletion', async () => {
    const user = await registerUser(gatehouse.url);
    const session = await loginForSession(gatehouse.url, user);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) })).status).toBe(200);
    await gatehouse.tokenRedis!.del(`${gatehouse.redisPrefix}{u:${user.id}}:user`);
    clockOffsetMs += 1_001; // past the one-second presence cache
    expectInvalidToken(await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) }));
  });
});

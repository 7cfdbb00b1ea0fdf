import { get } from 'node:http';
import { createGatehouseClient, ForbiddenError, UnauthorizedError } from '@gatehouse/client';
import { createTlsFetch } from '@gatehouse/client/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type CertificateFiles, type TestPki } from './support/certificates.js';
import { bearer } from './support/http.js';
import { callOverTls } from './support/https.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

const ORDER = {
  items: [{ productId: 3, quantity: 1 }],
  shippingAddress: { line1: '1 Harbour Road', city: 'Hamburg', postalCode: '20095', country: 'DE' },
  paymentMethod: 'paypal' as const,
};

let pki: TestPki;
let ca: CertificateFiles;
let reports: CertificateFiles;
let auditor: CertificateFiles;
let unseeded: CertificateFiles;
let foreign: CertificateFiles;
let gatehouse: RunningGatehouse;
const orderIds: string[] = [];

const anonymous = () => ({ ca: ca.cert });
const asClient = (certificate: CertificateFiles) => ({ ca: ca.cert, cert: certificate.cert, key: certificate.key });

async function loginOverTls(user: { email: string; password: string }): Promise<string> {
  const response = await callOverTls(gatehouse.url, 'auth.login', anonymous(), { kind: 'mutation', input: { email: user.email, password: user.password } });
  return response.body.result.data.accessToken;
}

beforeAll(async () => {
  pki = createTestPki();
  ca = pki.newCa('gatehouse-test-ca');
  const server = pki.issue(ca, 'gatehouse-server', 'server');
  reports = pki.issue(ca, 'reports', 'client');
  auditor = pki.issue(ca, 'auditor', 'client');
  unseeded = pki.issue(ca, 'stranger', 'client');
  const otherCa = pki.newCa('some-other-ca');
  foreign = pki.issue(otherCa, 'impostor', 'client');
  gatehouse = await startGatehouse({
    env: { GATEHOUSE_TLS_CERT: server.certFile, GATEHOUSE_TLS_KEY: server.keyFile, GATEHOUSE_TLS_CLIENT_CA: ca.certFile },
    seed: {
      ...TEST_SEED,
      services: [
        { name: 'reports', certSha256: reports.sha256, scopes: ['orders:read'] },
        { name: 'auditor', certSha256: auditor.sha256.toUpperCase().replace(/(..)(?!$)/g, '$1:'), scopes: ['users:read', 'apikeys:manage', 'orders:read'] },
        // Seeded, but its certificate is signed by a CA the server does not trust: it must never authenticate.
        { name: 'impostor', certSha256: foreign.sha256, scopes: ['orders:read'] },
      ],
    },
  });
  for (const user of [TEST_USERS.alice, TEST_USERS.bob]) {
    const token = await loginOverTls(user);
    const order = await callOverTls(gatehouse.url, 'orders.create', anonymous(), { kind: 'mutation', input: ORDER, headers: bearer(token) });
    orderIds.push(order.body.result.data.id);
  }
});
afterAll(async () => {
  await gatehouse?.close();
  pki?.cleanup();
});

describe('HTTPS', () => {
  it('serves HTTPS with HSTS', async () => {
    expect(gatehouse.url).toMatch(/^https:\/\//);
    const response = await callOverTls(gatehouse.url, 'health', anonymous());
    expect(response.status).toBe(200);
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('refuses plain HTTP on the TLS port', async () => {
    const plainUrl = gatehouse.url.replace(/^https:/, 'http:');
    const outcome = await new Promise<string>((resolve) => {
      get(`${plainUrl}/trpc/health`, (response) => resolve(`answered ${response.statusCode}`)).on('error', (error) => resolve(`refused: ${error.message}`));
    });
    expect(outcome).toMatch(/^refused/);
  });
});

describe('mutual TLS', () => {
  it('makes a seeded service’s certificate its principal: it lists every user’s orders', async () => {
    const response = await callOverTls(gatehouse.url, 'orders.list', asClient(reports), { input: { limit: 100 } });
    expect(response.status).toBe(200);
    const ids = response.body.result.data.items.map((order: { id: string }) => order.id);
    expect(ids).toEqual(expect.arrayContaining(orderIds));
  });

  it('refuses a procedure outside the service’s scopes with 403 and the missing scopes', async () => {
    const response = await callOverTls(gatehouse.url, 'orders.create', asClient(reports), { kind: 'mutation', input: ORDER });
    expect(response.status).toBe(403);
    expect(response.body.error.data.auth).toMatchObject({ reason: 'insufficient_scope', missingScopes: ['orders:write'] });
  });

  it('refuses procedures about the caller’s own account with forbidden_role, even with their scopes', async () => {
    const me = await callOverTls(gatehouse.url, 'users.me', asClient(auditor));
    expect(me.status).toBe(403);
    expect(me.body.error.data.auth).toEqual({ reason: 'forbidden_role' });
    const key = await callOverTls(gatehouse.url, 'apiKeys.create', asClient(auditor), { kind: 'mutation', input: { name: 'x', scopes: ['orders:read'] } });
    expect(key.status).toBe(403);
    expect(key.body.error.data.auth).toEqual({ reason: 'forbidden_role' });
  });

  it('gives no identity to a certificate from another CA or one that is not seeded', async () => {
    for (const certificate of [foreign, unseeded]) {
      const response = await callOverTls(gatehouse.url, 'orders.list', asClient(certificate));
      expect(response.status).toBe(401);
      expect(response.body.error.data.auth).toEqual({ reason: 'missing_credentials' });
    }
  });

  it('lets other credentials apply beside an unverified certificate, and refuses them beside a service’s', async () => {
    const token = await loginOverTls(TEST_USERS.alice);
    const withForeign = await callOverTls(gatehouse.url, 'users.me', asClient(foreign), { headers: bearer(token) });
    expect(withForeign.status).toBe(200);
    expect(withForeign.body.result.data.email).toBe(TEST_USERS.alice.email);
    const withService = await callOverTls(gatehouse.url, 'users.me', asClient(reports), { headers: bearer(token) });
    expect(withService.status).toBe(400);
  });
});

describe('the typed client over TLS', () => {
  it('calls as a service with a client certificate and throws typed errors', async () => {
    const client = createGatehouseClient({ url: gatehouse.url, fetch: createTlsFetch({ ca: ca.cert, cert: reports.cert, key: reports.key }) });
    const page = await client.orders.list.query({ limit: 100 });
    expect(page.items.map((order) => order.id)).toEqual(expect.arrayContaining(orderIds));
    const refused = await client.orders.create.mutate(ORDER).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect((refused as ForbiddenError).missingScopes).toEqual(['orders:write']);
  });

  it('calls with an API key over HTTPS trusting a private CA', async () => {
    const token = await loginOverTls(TEST_USERS.bob);
    const created = await callOverTls(gatehouse.url, 'apiKeys.create', anonymous(), {
      kind: 'mutation',
      input: { name: 'tls', scopes: ['users:read'] },
      headers: bearer(token),
    });
    const client = createGatehouseClient({ url: gatehouse.url, apiKey: created.body.result.data.key, fetch: createTlsFetch({ ca: ca.cert }) });
    expect((await client.users.me.query()).email).toBe(TEST_USERS.bob.email);
    const anonymousClient = createGatehouseClient({ url: gatehouse.url, fetch: createTlsFetch({ ca: ca.cert }) });
    await expect(anonymousClient.users.me.query()).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a certificate without its key at creation', () => {
    expect(() => createTlsFetch({ ca: ca.cert, cert: reports.cert })).toThrow(TypeError);
  });
});

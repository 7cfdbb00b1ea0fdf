import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type CertificateFiles, type TestPki } from './support/certificates.js';
import { callOverTls } from './support/https.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED } from './support/test-seed.js';

/**
 * Certificates signed by the trusted CA and seeded as services, yet unfit to identify a client: one expired,
 * one whose extended key usage allows server authentication only (RFC 5280 section 4.2.1.12). The chain is
 * the server's own CA, so only the validity period and the usage can refuse them; a good certificate from
 * the same CA, seeded the same way, is the control.
 */
let pki: TestPki;
let ca: CertificateFiles;
let good: CertificateFiles;
let expired: CertificateFiles;
let serverOnly: CertificateFiles;
let gatehouse: RunningGatehouse;

beforeAll(async () => {
  pki = createTestPki();
  ca = pki.newCa('refusals-ca');
  const server = pki.issue(ca, 'refusals-server', 'server');
  good = pki.issue(ca, 'good-service', 'client');
  expired = pki.issue(ca, 'expired-service', 'client', { validDays: -1 });
  serverOnly = pki.issue(ca, 'server-only-service', 'client', { extendedKeyUsage: 'serverAuth' });
  gatehouse = await startGatehouse({
    env: { GATEHOUSE_TLS_CERT: server.certFile, GATEHOUSE_TLS_KEY: server.keyFile, GATEHOUSE_TLS_CLIENT_CA: ca.certFile },
    seed: {
      ...TEST_SEED,
      services: [
        { name: 'good', certSha256: good.sha256, scopes: ['orders:read'] },
        { name: 'expired', certSha256: expired.sha256, scopes: ['orders:read'] },
        { name: 'server-only', certSha256: serverOnly.sha256, scopes: ['orders:read'] },
      ],
    },
  });
});
afterAll(async () => {
  await gatehouse?.close();
  pki?.cleanup();
});

const asClient = (certificate: CertificateFiles) => ({ ca: ca.cert, cert: certificate.cert, key: certificate.key });

describe('client certificates the server must refuse', () => {
  it('accepts a valid clientAuth certificate of a seeded service (the control)', async () => {
    const response = await callOverTls(gatehouse.url, 'orders.list', asClient(good));
    expect(response.status).toBe(200);
  });

  it.each([
    ['an expired certificate', () => expired],
    ['a certificate for serverAuth only', () => serverOnly],
  ] as const)('gives %s no identity: 401 missing_credentials', async (_label, certificate) => {
    const response = await callOverTls(gatehouse.url, 'orders.list', asClient(certificate()));
    expect(response.status).toBe(401);
    expect(response.body.error.data.auth).toEqual({ reason: 'missing_credentials' });
  });
});

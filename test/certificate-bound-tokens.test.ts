import { createHash, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type CertificateFiles, type TestPki } from './support/certificates.js';
import { bearer } from './support/http.js';
import { callOverTls, type TlsClientOptions } from './support/https.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED } from './support/test-seed.js';

/*
 * Certificate-bound access tokens (RFC 8705): a confidential client that
 * presents a client certificate at /oauth/token gets tokens carrying
 * cnf["x5t#S256"], which work only over a connection presenting that certificate.
 */
const BILLING = { clientId: 'billing', secret: 'billing-test-secret-0123456789' };

let pki: TestPki;
let ca: CertificateFiles;
let billingCert: CertificateFiles;
let otherCert: CertificateFiles;
let gatehouse: RunningGatehouse;

const withCert = (certificate: CertificateFiles): TlsClientOptions => ({ ca: ca.cert, cert: certificate.cert, key: certificate.key });

/** POST /oauth/token over HTTPS with node:https, which (unlike fetch) presents a client certificate. */
function tokenOverTls(tls: TlsClientOptions, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  return postFormOverTls('/oauth/token', tls, form);
}

/** A form POST to one of the OAuth endpoints over HTTPS, with the client certificate `tls` names (if any). */
function postFormOverTls(path: string, tls: TlsClientOptions, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${gatehouse.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, ca: tls.ca, cert: tls.cert, key: tls.key, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(new URLSearchParams(form).toString());
  });
}

beforeAll(async () => {
  pki = createTestPki();
  ca = pki.newCa('gatehouse-test-ca');
  const server = pki.issue(ca, 'gatehouse-server', 'server');
  billingCert = pki.issue(ca, 'billing-client', 'client');
  otherCert = pki.issue(ca, 'another-client', 'client');
  gatehouse = await startGatehouse({
    env: { GATEHOUSE_TLS_CERT: server.certFile, GATEHOUSE_TLS_KEY: server.keyFile, GATEHOUSE_TLS_CLIENT_CA: ca.certFile },
    seed: TEST_SEED,
  });
});
afterAll(async () => {
  await gatehouse?.close();
  pki?.cleanup();
});

describe('certificate-bound access tokens (RFC 8705)', () => {
  async function boundToken(): Promise<string> {
    const issued = await tokenOverTls(withCert(billingCert), { grant_type: 'client_credentials', client_id: BILLING.clientId, client_secret: BILLING.secret });
    expect(issued.status).toBe(200);
    return issued.body['access_token'] as string;
  }

  it('binds the token to the certificate the client presented: cnf["x5t#S256"] is its SHA-256 thumbprint', async () => {
    const token = await boundToken();
    const der = new X509Certificate(billingCert.cert).raw;
    expect(decodeJwt(token)['cnf']).toEqual({ 'x5t#S256': createHash('sha256').update(der).digest('base64url') });
  });

  it('answers a call over a connection presenting the same certificate', async () => {
    const response = await callOverTls(gatehouse.url, 'orders.list', withCert(billingCert), { input: {}, headers: bearer(await boundToken()) });
    expect(response.status).toBe(200);
  });

  it('refuses the token over another certificate, or over none, with 401 invalid_token', async () => {
    const token = await boundToken();
    for (const tls of [withCert(otherCert), { ca: ca.cert }]) {
      const response = await callOverTls(gatehouse.url, 'orders.list', tls, { input: {}, headers: bearer(token) });
      expect(response.status).toBe(401);
      expect(response.body.error.data.auth).toEqual({ reason: 'invalid_token', detail: 'certificate_mismatch' });
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('issues plain Bearer tokens to a client that presents no certificate', async () => {
    const issued = await tokenOverTls({ ca: ca.cert }, { grant_type: 'client_credentials', client_id: BILLING.clientId, client_secret: BILLING.secret });
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.body['access_token'] as string)['cnf']).toBeUndefined();
  });

  it('introspects a bound token with its cnf["x5t#S256"] (RFC 8705 section 3.2), and a plain one without cnf', async () => {
    const introspect = (token: string) =>
      postFormOverTls('/oauth/introspect', { ca: ca.cert }, { token, client_id: BILLING.clientId, client_secret: BILLING.secret });
    const der = new X509Certificate(billingCert.cert).raw;
    const bound = await introspect(await boundToken());
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ active: true, token_type: 'Bearer', client_id: BILLING.clientId });
    expect(bound.body['cnf']).toEqual({ 'x5t#S256': createHash('sha256').update(der).digest('base64url') });

    const plainToken = await tokenOverTls({ ca: ca.cert }, { grant_type: 'client_credentials', client_id: BILLING.clientId, client_secret: BILLING.secret });
    const plain = await introspect(plainToken.body['access_token'] as string);
    expect(plain.body).toMatchObject({ active: true, token_type: 'Bearer' });
    expect(plain.body).not.toHaveProperty('cnf');
  });
});

import { once } from 'node:events';
import { Socket, type AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type CertificateFiles, type TestPki } from '../../../../test/support/certificates.js';
import { verifiedClientCertificate, type VerifiedClientCertificate } from './client-certificate.js';

let pki: TestPki;
let ca: CertificateFiles;
let server: CertificateFiles;

beforeAll(() => {
  pki = createTestPki();
  ca = pki.newCa('unit-ca');
  server = pki.issue(ca, 'unit-server', 'server');
});
afterAll(() => pki.cleanup());

/**
 * What the server reads of a real TLS connection made with `client` (or none): as Gatehouse's HTTPS server, it
 * asks for a certificate but does not refuse the connection without a verified one.
 */
async function certificateSeenBy(client: CertificateFiles | undefined): Promise<VerifiedClientCertificate | undefined> {
  const listener = createServer({ key: server.key, cert: server.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: false });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  try {
    const seen = once(listener, 'secureConnection') as Promise<[TLSSocket]>;
    const socket = connect({
      port: (listener.address() as AddressInfo).port,
      host: '127.0.0.1',
      ca: ca.cert,
      ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
    });
    const [serverSide] = await seen;
    const certificate = verifiedClientCertificate(serverSide);
    socket.destroy();
    serverSide.destroy();
    return certificate;
  } finally {
    listener.close();
  }
}

describe('verifiedClientCertificate', () => {
  it('names a certificate the CA signed by its SHA-256, lowercase hex without colons (the seed’s certSha256)', async () => {
    const client = pki.issue(ca, 'unit-client', 'client');
    expect(await certificateSeenBy(client)).toEqual({ fingerprint: client.sha256 });
    expect(client.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts a self-made certificate, or another CA’s, for nothing', async () => {
    const otherCa = pki.newCa('other-ca');
    expect(await certificateSeenBy(pki.issue(otherCa, 'stranger', 'client'))).toBeUndefined();
  });

  it('finds nothing on a TLS connection without a client certificate, nor on a plain socket', async () => {
    expect(await certificateSeenBy(undefined)).toBeUndefined();
    expect(verifiedClientCertificate(new Socket())).toBeUndefined();
    expect(verifiedClientCertificate(undefined)).toBeUndefined();
  });
});

import { TLSSocket } from 'node:tls';

/** A client certificate that the TLS layer verified against GATEHOUSE_TLS_CLIENT_CA. */
export interface VerifiedClientCertificate {
  /** SHA-256 of the certificate's DER, lowercase hex without colons (the seed's `certSha256`). */
  readonly fingerprint: string;
}

/**
 * The request's client certificate, only if the chain verified. The server
 * asks for certificates with rejectUnauthorized false (so callers without one
 * can still use other credentials); this check is what makes an unverified
 * or self-made certificate count for nothing.
 */
export function verifiedClientCertificate(socket: unknown): VerifiedClientCertificate | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  // Node returns an empty object when the client sent no certificate.
  if (typeof certificate.fingerprint256 !== 'string' || certificate.fingerprint256 === '') return undefined;
  return { fingerprint: certificate.fingerprint256.replaceAll(':', '').toLowerCase() };
}

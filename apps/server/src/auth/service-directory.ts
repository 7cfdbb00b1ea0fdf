import type { Scope } from '@gatehouse/contracts';

/** A service known by its client certificate (seed `services`). */
export interface ServiceIdentity {
  readonly name: string;
  /** SHA-256 of the certificate's DER, lowercase hex without colons. */
  readonly certSha256: string;
  readonly scopes: readonly Scope[];
}

/**
 * The services that may call over mTLS, keyed by certificate fingerprint.
 * Filled from the seed at start; every process loads the same seed, so it
 * needs no shared store. Pinning the fingerprint (not a subject name) means
 * only that exact certificate is the service, even if the CA signs others.
 */
export interface ServiceDirectory {
  register(service: ServiceIdentity): void;
  byFingerprint(certSha256: string): ServiceIdentity | undefined;
}

export function createServiceDirectory(): ServiceDirectory {
  const byFingerprint = new Map<string, ServiceIdentity>();
  return {
    register(service) {
      byFingerprint.set(service.certSha256, Object.freeze({ ...service, scopes: Object.freeze([...service.scopes]) }));
    },
    byFingerprint: (certSha256) => byFingerprint.get(certSha256),
  };
}

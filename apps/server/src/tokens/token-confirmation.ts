/** RFC 7800 section 3.1: the confirmation claim of a sender-constrained token. */
export const CONFIRMATION_CLAIM = 'cnf';

/**
 * What a token is bound to (its `cnf`): the RFC 7638 thumbprint of a DPoP
 * key (`jkt`, RFC 9449 section 6.1) or the SHA-256 thumbprint of a client
 * certificate (`x5t#S256`, RFC 8705 section 3.1), both base64url.
 */
export interface TokenConfirmation {
  readonly jkt?: string;
  readonly 'x5t#S256'?: string;
}

/** A SHA-256 digest in base64url: 43 characters. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reads a token's `cnf`: undefined when absent, null when it is not one this
 * server writes (any other member, a value that is not a thumbprint), so a
 * binding the server cannot check is refused rather than ignored.
 */
export function readConfirmation(value: unknown): TokenConfirmation | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  if (entries.length === 0) return null;
  const confirmation: { jkt?: string; 'x5t#S256'?: string } = {};
  for (const [name, thumbprint] of entries) {
    if ((name !== 'jkt' && name !== 'x5t#S256') || typeof thumbprint !== 'string' || !THUMBPRINT.test(thumbprint)) return null;
    confirmation[name] = thumbprint;
  }
  return confirmation;
}

/** The `x5t#S256` of a certificate from its SHA-256 fingerprint in hex (http/client-certificate.ts). */
export function certificateThumbprint(fingerprintHex: string): string {
  return Buffer.from(fingerprintHex, 'hex').toString('base64url');
}

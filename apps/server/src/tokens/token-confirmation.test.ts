import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateThumbprint, readConfirmation } from './token-confirmation.js';

const THUMBPRINT = createHash('sha256').update('a DPoP public key').digest('base64url');
const OTHER = createHash('sha256').update('a client certificate').digest('base64url');

describe('token confirmation (cnf)', () => {
  it('reads nothing from a token without cnf', () => {
    expect(readConfirmation(undefined)).toBeUndefined();
  });

  it('reads a DPoP key thumbprint, a certificate thumbprint, or both', () => {
    expect(readConfirmation({ jkt: THUMBPRINT })).toEqual({ jkt: THUMBPRINT });
    expect(readConfirmation({ 'x5t#S256': OTHER })).toEqual({ 'x5t#S256': OTHER });
    expect(readConfirmation({ jkt: THUMBPRINT, 'x5t#S256': OTHER })).toEqual({ jkt: THUMBPRINT, 'x5t#S256': OTHER });
  });

  it('refuses a cnf it cannot enforce: not an object, empty, another member, or a value that is no SHA-256 thumbprint', () => {
    const refused: unknown[] = [
      null,
      'jkt',
      42,
      [THUMBPRINT],
      {},
      { jwk: { kty: 'EC' } },
      { jkt: THUMBPRINT, jwk: THUMBPRINT },
      { jku: THUMBPRINT },
      { jkt: 42 },
      // An array holding a thumbprint prints as one, and is still not a thumbprint.
      { jkt: [THUMBPRINT] },
      { jkt: THUMBPRINT.slice(1) },
      { jkt: `${THUMBPRINT}A` },
      { jkt: `${THUMBPRINT.slice(1)}+` },
      { jkt: `${THUMBPRINT.slice(1)}=` },
      { jkt: ` ${THUMBPRINT.slice(1)}` },
      // A valid thumbprint with anything before or after it is not one.
      { jkt: `+${THUMBPRINT}` },
      { jkt: `${THUMBPRINT}+` },
      { 'x5t#S256': `${OTHER.slice(1)}/` },
    ];
    for (const value of refused) expect(readConfirmation(value), JSON.stringify(value)).toBeNull();
  });

  it('writes a certificate’s SHA-256 fingerprint as base64url (RFC 8705 x5t#S256)', () => {
    const fingerprint = createHash('sha256').update('a certificate').digest();
    expect(certificateThumbprint(fingerprint.toString('hex'))).toBe(fingerprint.toString('base64url'));
    expect(readConfirmation({ 'x5t#S256': certificateThumbprint(fingerprint.toString('hex')) })).toBeDefined();
  });
});

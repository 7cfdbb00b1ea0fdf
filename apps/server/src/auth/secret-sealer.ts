import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Seals small secrets (TOTP shared secrets) for storage, bound to the record they belong to. */
export interface SecretSealer {
  /** `v1.<iv>.<ciphertext>.<tag>` (base64url), sealed for `owner` (e.g. the user id). */
  seal(plaintext: string, owner: string): string;
  /** The plaintext, or undefined when the value was not sealed under this key for this owner. */
  open(sealed: string, owner: string): string | undefined;
}

const VERSION = 'v1';
const IV_BYTES = 12; // NIST SP 800-38D: a 96-bit nonce, random per message
const TAG_BYTES = 16;

/**
 * AES-256-GCM under GATEHOUSE_SECRET_ENCRYPTION_KEY. The owner is the
 * additional authenticated data: a sealed secret copied onto another user's
 * record does not open there, so a write to the store alone cannot give an
 * attacker's authenticator to a victim's account. Without a key (development,
 * test) one is drawn for this process, like the token network key: what it
 * sealed opens only here.
 */
export function createSecretSealer(key: Uint8Array | undefined): SecretSealer {
  const secret = key ?? randomBytes(32);
  if (secret.byteLength !== 32) throw new RangeError('The secret encryption key must be 32 bytes (AES-256)');
  return {
    seal(plaintext, owner) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(owner, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    open(sealed, owner) {
      const [version, iv, ciphertext, tag, extra] = sealed.split('.');
      if (version !== VERSION || iv === undefined || ciphertext === undefined || tag === undefined || extra !== undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', secret, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES })
          .setAAD(Buffer.from(owner, 'utf8'))
          .setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Wrong key, wrong owner or a flipped bit: GCM's tag check fails, and nothing is returned.
        return undefined;
      }
    },
  };
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Refresh grace keeps a rotated token's successor in the store for a few
 * seconds, so the same token presented again (two tabs, two processes
 * refreshing at once) can be given that one successor instead of revoking
 * the family. The store must not hold it in clear (a store dump must yield
 * no usable token), so it is sealed (AES-256-GCM) with a key derived from
 * the presented token, which the store never holds either: only whoever
 * presents the old token again can open the successor.
 */
export function sealSuccessor(presentedToken: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', graceKey(presentedToken), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The successor, or undefined when the seal does not open with this token (tampered, or not this token's). */
export function openSuccessor(presentedToken: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= 28) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', graceKey(presentedToken), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A key of its own (domain-separated from the stored SHA-256 of the token, which a dump does reveal). */
function graceKey(presentedToken: string): Buffer {
  return createHash('sha256').update('gatehouse refresh grace\0').update(presentedToken).digest();
}

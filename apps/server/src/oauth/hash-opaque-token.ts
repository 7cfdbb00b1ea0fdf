import { createHash } from 'node:crypto';

/** How opaque credentials (codes, refresh tokens) are keyed in stores: their SHA-256, never themselves. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Scope } from '@gatehouse/contracts';
import type { PasswordHasher } from '../auth/password-hasher.js';
import type { Seed } from '../seed/seed-schema.js';

export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** A registered OAuth client, as the server keeps it: never the plain secret. */
export interface OAuthClient {
  readonly clientId: string;
  readonly type: 'public' | 'confidential';
  readonly redirectUris: readonly string[];
  readonly scopes: readonly Scope[];
  readonly grantTypes: readonly GrantType[];
  readonly secret: ClientSecret | undefined;
  /** Its access tokens are refused from any other network than they were issued to (seed `pinNetwork`). */
  readonly pinNetwork: boolean;
}

/** A seeded plain secret is kept as its SHA-256; a seeded bcrypt hash is kept as is. */
type ClientSecret = { readonly kind: 'sha256'; readonly digest: Buffer } | { readonly kind: 'bcrypt'; readonly hash: string };

export interface ClientRegistry {
  find(clientId: string): OAuthClient | undefined;
  /** Constant-time check of a confidential client's secret. */
  verifySecret(client: OAuthClient, presented: string): Promise<boolean>;
}

/**
 * The OAuth clients of the seed. Clients are configuration, not user data:
 * every process loads the same seed, so a map is the whole store.
 */
export function createClientRegistry(seed: Seed | undefined, passwords: PasswordHasher): ClientRegistry {
  const clients = new Map<string, OAuthClient>();
  for (const client of seed?.clients ?? []) {
    let secret: ClientSecret | undefined;
    if ('secret' in client) secret = { kind: 'sha256', digest: sha256(client.secret) };
    if ('secretHash' in client) secret = { kind: 'bcrypt', hash: client.secretHash };
    clients.set(
      client.clientId,
      Object.freeze({
        clientId: client.clientId,
        type: client.type,
        redirectUris: Object.freeze([...client.redirectUris]),
        scopes: Object.freeze([...client.scopes]),
        grantTypes: Object.freeze([...client.grantTypes]),
        secret,
        pinNetwork: client.pinNetwork,
      }),
    );
  }
  return {
    find: (clientId) => clients.get(clientId),
    async verifySecret(client, presented) {
      const secret = client.secret;
      if (secret === undefined) return false;
      if (secret.kind === 'bcrypt') return passwords.verify(presented, secret.hash);
      return timingSafeEqual(sha256(presented), secret.digest);
    },
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

import { clientSecretDigest } from '../oauth/client-registry.js';
import { ClientIdTakenError, type OAuthClientStore, type StoredClientSecret } from '../stores/oauth-client-store.js';
import type { Seed } from './seed-schema.js';

/**
 * Registers the seed's OAuth clients that the store does not hold yet.
 * Idempotent, so several processes sharing a store can all start from the
 * same seed; a client already in the store (changed or disabled with the CLI)
 * is left as the store has it: after the first start the store, not the
 * seed file, is where clients are changed.
 */
export async function applySeedClients(seed: Seed, clients: OAuthClientStore): Promise<number> {
  let created = 0;
  for (const client of seed.clients) {
    if ((await clients.find(client.clientId)) !== undefined) continue;
    let secret: StoredClientSecret | undefined;
    if ('secret' in client) secret = { kind: 'sha256', digest: clientSecretDigest(client.secret) };
    if ('secretHash' in client) secret = { kind: 'bcrypt', hash: client.secretHash };
    try {
      await clients.create({
        clientId: client.clientId,
        type: client.type,
        redirectUris: client.redirectUris,
        scopes: client.scopes,
        grantTypes: client.grantTypes,
        secret,
        pinNetwork: client.pinNetwork,
      });
      created += 1;
    } catch (error) {
      if (!(error instanceof ClientIdTakenError)) throw error; // another process seeded it first
    }
  }
  return created;
}

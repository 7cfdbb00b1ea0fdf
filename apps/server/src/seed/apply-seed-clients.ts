import type { ClientDirectory } from '../auth/client-directory.js';
import type { Seed } from './seed-schema.js';

/** Registers the seed's OAuth client ids, whose client_credentials tokens the API accepts. */
export function applySeedClients(seed: Seed, clients: ClientDirectory): number {
  for (const client of seed.clients) clients.register(client.clientId);
  return seed.clients.length;
}

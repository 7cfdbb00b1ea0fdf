import type { ServiceDirectory } from '../auth/service-directory.js';
import type { Seed } from './seed-schema.js';

/** Registers the seed's mTLS services by certificate fingerprint. */
export function applySeedServices(seed: Seed, services: ServiceDirectory): number {
  for (const service of seed.services) services.register(service);
  return seed.services.length;
}

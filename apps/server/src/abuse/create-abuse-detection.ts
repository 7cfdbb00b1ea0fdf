import type { RedisClient } from '../stores/redis/redis-client.js';
import type { SecurityEvents } from '../audit/security-events.js';
import type { Config } from '../config.js';
import type { CounterBackend } from './abuse-counter.js';
import { createCredentialStuffingDetector, type CredentialStuffingDetector } from './credential-stuffing-detector.js';
import { createEnumerationDetector, type EnumerationDetector } from './enumeration-detector.js';

export interface AbuseDetection {
  readonly stuffing: CredentialStuffingDetector;
  readonly enumeration: EnumerationDetector;
}

/**
 * Both detectors, counting in Redis when the store is Redis (so every
 * process sees the same counts) and in memory otherwise. The stuffing
 * detector is registered as a sink: it learns of failed logins from
 * login.failed events.
 */
export function createAbuseDetection(options: {
  readonly config: Config;
  readonly redis: RedisClient | undefined;
  readonly events: SecurityEvents;
  readonly onStoreError?: () => void;
}): AbuseDetection {
  const { config, redis, events } = options;
  const backend: CounterBackend =
    config.store.kind === 'redis' && redis !== undefined
      ? { kind: 'redis', redis, keyPrefix: config.store.keyPrefix, ...(options.onStoreError === undefined ? {} : { onStoreError: options.onStoreError }) }
      : { kind: 'memory' };
  const stuffing = createCredentialStuffingDetector({ config: config.abuse.stuffing, backend, events });
  events.addSink(stuffing);
  return { stuffing, enumeration: createEnumerationDetector({ config: config.abuse.enumeration, backend, events }) };
}

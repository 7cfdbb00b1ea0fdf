import type { AbuseConfig } from '../config.js';
import type { EventOrigin, SecurityEvents } from '../audit/security-events.js';
import { RateLimitExceeded } from '../errors/rate-limit-exceeded.js';
import { consumePoint, createAbuseCounter, type CounterBackend } from './abuse-counter.js';

export const ENUMERATION_POLICY_NAME = 'abuse.enumeration';

/**
 * Enumeration: one principal or one IP collecting NOT_FOUND/FORBIDDEN
 * answers on id lookups (contracts marked `idLookup`). Past the threshold
 * within the window, that principal or IP is refused id lookups for
 * `blockSeconds`, and abuse.enumeration is raised once per block.
 */
export interface EnumerationDetector {
  /** The refusal for the first of `subjects` under a block, or undefined. */
  blockFor(subjects: readonly string[]): Promise<RateLimitExceeded | undefined>;
  /** Counts one miss for each subject (`ip:…`, `user:…`). */
  recordMiss(subjects: readonly string[], origin: EventOrigin, path: string): Promise<void>;
}

export function createEnumerationDetector(options: {
  readonly config: AbuseConfig['enumeration'];
  readonly backend: CounterBackend;
  readonly events: SecurityEvents;
}): EnumerationDetector {
  const { config, backend, events } = options;
  const misses = createAbuseCounter(backend, {
    name: 'enumeration',
    points: config.misses,
    durationSeconds: config.windowSeconds,
    blockDurationSeconds: config.blockSeconds,
  });

  return {
    async blockFor(subjects) {
      for (const subject of subjects) {
        const state = await misses.get(subject);
        if (state !== null && state.consumedPoints > config.misses && state.msBeforeNext > 0) {
          return new RateLimitExceeded({
            limit: config.misses,
            remaining: 0,
            resetAt: new Date(Date.now() + state.msBeforeNext).toISOString(),
            retryAfterMs: Math.ceil(state.msBeforeNext),
            policy: ENUMERATION_POLICY_NAME,
          });
        }
      }
      return undefined;
    },

    async recordMiss(subjects, origin, path) {
      for (const subject of subjects) {
        const { exceeded, res } = await consumePoint(misses, subject);
        // Exactly one miss crosses the threshold (counts are atomic): it raises the event, on whichever process.
        if (exceeded && res.consumedPoints === config.misses + 1) {
          events.emit('abuse.enumeration', origin, {
            subject,
            path,
            misses: res.consumedPoints,
            windowSeconds: config.windowSeconds,
            blockSeconds: config.blockSeconds,
          });
        }
      }
    },
  };
}

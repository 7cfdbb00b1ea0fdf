import type { AbuseConfig } from '../config.js';
import type { EventOrigin, SecurityEvents } from '../audit/security-events.js';
import type { LimiterSpec } from '../ratelimit/create-limiter.js';
import { snapshotOf, type RateLimitSnapshot } from '../ratelimit/rate-limit-snapshot.js';
import { consumePoint, createAbuseCounter, type CounterBackend } from './abuse-counter.js';

export const ENUMERATION_POLICY_NAME = 'abuse.enumeration';

/**
 * Enumeration: one principal or one IP collecting NOT_FOUND/FORBIDDEN
 * answers on id lookups (contracts marked `idLookup`). Past the threshold
 * within the window, that principal or IP is refused id lookups for
 * `blockSeconds`, and abuse.enumeration is raised once per block.
 */
export interface EnumerationDetector {
  /** Where the first of `subjects` under a block stands (a refused snapshot, for the 429 and its headers), or undefined. */
  blockFor(subjects: readonly string[]): Promise<RateLimitSnapshot | undefined>;
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
  // How the block reads in 429 data and rate-limit headers: `misses` per window, under its own policy name.
  const policy: LimiterSpec = {
    name: ENUMERATION_POLICY_NAME,
    points: config.misses,
    durationSeconds: config.windowSeconds,
    blockDurationSeconds: config.blockSeconds,
  };

  return {
    async blockFor(subjects) {
      for (const subject of subjects) {
        const state = await misses.get(subject);
        if (state !== null && state.consumedPoints > config.misses && state.msBeforeNext > 0) return snapshotOf(policy, state, true);
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

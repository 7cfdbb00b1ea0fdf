import { createBoundedLru } from '../../tokens/bounded-lru.js';
import type { RedisInvalidationFeed } from './redis-invalidation-feed.js';

/**
 * Records read from Redis and held in this process until Redis announces a
 * write to their key (redis-invalidation-feed.ts), so a hot read (a caller's
 * own user record, on every users.me) costs no round trip while nothing
 * changes it.
 *
 * - A value is held only when the feed was live before and after the read and
 *   announced nothing in between: an announcement racing the reply (it comes
 *   on another connection) voids it. Held values go when the feed goes down,
 *   and nothing is held while it is down: every read asks Redis (fail closed).
 * - This process's own writes drop the key at once (`forget`), before Redis's
 *   announcement of them comes back, so a role change is seen by the very next
 *   call here; a read in flight across such a write is not held either.
 * - Absence is never held: a flood of unknown ids grows nothing.
 */
export interface FeedHeldReads<TValue> {
  /** The held value of `key`, or what `load` reads from Redis (held when nothing was written meanwhile). */
  read(key: string, load: () => Promise<TValue | undefined>): Promise<TValue | undefined>;
  /** This process has just written `key`. */
  forget(key: string): void;
  /** Values held now, and the bound on them (for the memory report). */
  readonly size: number;
  readonly maxEntries: number;
}

export interface FeedHeldReadsOptions {
  readonly feed: RedisInvalidationFeed;
  /** The least recently used go first past this bound. */
  readonly maxEntries: number;
}

export function createFeedHeldReads<TValue>(options: FeedHeldReadsOptions): FeedHeldReads<TValue> {
  const { feed } = options;
  const held = createBoundedLru<TValue>(options.maxEntries);
  // Every key this process forgets, counted: a read that saw the count move may have read the old value.
  let localWrites = 0;
  feed.onInvalidated((key) => (key === null ? held.clear() : held.delete(key)));

  return {
    async read(key, load) {
      const generation = feed.generation;
      const writes = localWrites;
      if (feed.live) {
        const value = held.get(key);
        if (value !== undefined) return value;
      }
      const value = await load();
      if (value !== undefined && feed.live && feed.generation === generation && localWrites === writes) {
        held.set(key, value);
      }
      return value;
    },
    forget(key) {
      localWrites += 1;
      held.delete(key);
    },
    get size() {
      return held.size;
    },
    maxEntries: options.maxEntries,
  };
}

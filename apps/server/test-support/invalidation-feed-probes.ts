import type { RedisClient } from '../src/stores/redis/redis-client.js';
import type { RedisInvalidationFeed } from '../src/stores/redis/redis-invalidation-feed.js';
import { waitUntil } from './wait-until.js';

/**
 * What the tests of stores that hold reads under Redis's invalidation feed
 * watch: the round trips a lookup cost, the feed's announcements, and the
 * feed's connection cut from the server's side. Test-only.
 */

/** A store connection whose `commands` are counted, and how many of them a piece of work sent. */
export interface CountedConnection {
  readonly redis: RedisClient;
  sentDuring(work: () => Promise<unknown>): Promise<number>;
}

export function countedConnection(redis: RedisClient, commands: readonly string[]): CountedConnection {
  let sent = 0;
  const counted = new Proxy(redis, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !commands.includes(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        sent += 1;
        return Reflect.apply(value, target, args);
      };
    },
  });
  return {
    redis: counted,
    async sentDuring(work) {
      const before = sent;
      await work();
      return sent - before;
    },
  };
}

/** Runs `change` and waits until Redis has announced some write on the feed. */
export async function announcedOn(feed: RedisInvalidationFeed, change: () => Promise<unknown>): Promise<void> {
  const generation = feed.generation;
  await change();
  await waitUntil(() => feed.generation !== generation);
}

/** Kills the feed's connection (named `connectionName` in CLIENT LIST) as Redis or an operator would, and waits until the feed noticed. */
export async function killFeedConnection(admin: RedisClient, feed: RedisInvalidationFeed, connectionName: string): Promise<void> {
  const clients = String(await admin.client('LIST'));
  const feedId = [...clients.matchAll(/id=(\d+) [^\n]*name=(\S+)/g)].find((match) => match[2] === connectionName)?.[1];
  if (feedId === undefined) throw new Error(`no connection named ${connectionName} in CLIENT LIST`);
  await admin.client('KILL', 'ID', feedId);
  await waitUntil(() => !feed.live, 1_000);
}

/**
 * Waits until the feed has announced nothing for `quietMs`: a write of several keys (an API key's index, then
 * its record in a script) is announced in more than one message, and a read racing any of them is rightly not
 * held, so a test that counts round trips starts after the last one.
 */
export async function quietOn(feed: RedisInvalidationFeed, quietMs = 50): Promise<void> {
  let generation = feed.generation;
  let quietSince = Date.now();
  await waitUntil(() => {
    if (feed.generation !== generation) {
      generation = feed.generation;
      quietSince = Date.now();
    }
    return Date.now() - quietSince >= quietMs;
  });
}

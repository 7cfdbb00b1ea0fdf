import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../apps/server/test-support/redis-test-namespace.js';
import { createLimiter } from '../../apps/server/src/ratelimit/create-limiter.js';
import { createRedisApiKeyStore } from '../../apps/server/src/stores/redis/redis-api-key-store.js';
import { isCluster } from '../../apps/server/src/stores/redis/redis-client.js';
import { createRedisTokenStore } from '../../apps/server/src/stores/redis/redis-token-store.js';
import { createRedisUserStore } from '../../apps/server/src/stores/redis/redis-user-store.js';

/**
 * Issue 17: every multi-key script keeps its keys in one slot with a hash tag per user, family or owner,
 * "never one global tag that would put all load on one node". The suites on the cluster prove the first half
 * (a script across slots is refused with CROSSSLOT); this file proves the second on the real cluster: the
 * keys of many users, families, owners and rate-limit callers land on every master, and the only hash tags
 * shared by more than one record are the ones documented as single (the audit chain and the admin listings).
 * Only in the e2e-redis-cluster project (vitest.config.ts): on one Redis there are no nodes to spread over.
 */

const RECORDS = 60;
/** The tags docs/operations.md names as one sequence each: everything else must carry a record's id. */
const SINGLE_TAGS = new Set(['audit', 'users', 'orders']);

/** The hash tag Redis hashes: the text between the first `{` and the next `}`, when not empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

describe('hash tags on a Redis Cluster: per user, family and owner, spread over every master', () => {
  let namespace: RedisTestNamespace;
  beforeAll(async () => {
    namespace = await createRedisTestNamespace('hash-tags');
  });
  afterAll(() => namespace?.cleanup());

  it('puts the keys of many users, families, owners and limited callers on every master, under their own tags', async () => {
    const { redis, prefix } = namespace;
    if (!isCluster(redis)) throw new Error('this suite runs on the e2e-redis-cluster project\'s cluster only');
    const users = createRedisUserStore({ redis, keyPrefix: prefix });
    const tokens = createRedisTokenStore({ redis, keyPrefix: prefix });
    const apiKeys = createRedisApiKeyStore({ redis, keyPrefix: prefix });
    const limiter = createLimiter({ name: 'spread', points: 5, durationSeconds: 60, blockDurationSeconds: 0 }, { kind: 'redis', redis, keyPrefix: prefix, onFallback: () => {} });

    for (let index = 0; index < RECORDS; index += 1) {
      const user = await users.create({ email: `spread-${randomUUID()}@test.gatehouse`, name: 'S', role: 'user', passwordHash: 'not-a-real-hash' });
      const family = { familyId: randomUUID(), userId: user.id, clientId: 'gatehouse', scopes: [], expiresAtMs: Date.now() + 60_000 };
      await tokens.createFamily(family, createHash('sha256').update(family.familyId).digest('hex'));
      await apiKeys.create({ ownerId: user.id, name: 'spread', prefix: 'gh_spread', hash: createHash('sha256').update(randomUUID()).digest('hex'), scopes: ['orders:read'], expiresAt: undefined, parentId: undefined });
      await limiter.consume(`203.0.113.${index}`);
    }

    // Each master's own keys under this namespace (SCAN on a cluster node lists that node's keys only).
    const masters = redis.nodes('master');
    expect(masters).toHaveLength(3);
    const byMaster: string[][] = [];
    for (const master of masters) {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await master.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
      byMaster.push(found);
    }

    // Every kind of per-record key is on every master: no kind is pinned to one node by a shared tag.
    const kinds = {
      'refresh families': (key: string) => key.includes('tokens:{f:') && key.endsWith(':family'),
      "users' family sets": (key: string) => key.includes('tokens:{u:') && key.endsWith(':families'),
      'user records': (key: string) => /\{u:[^}]+\}:user$/.test(key),
      'API key records': (key: string) => /\{o:[^}]+\}:apikey:/.test(key),
      'rate-limit counters': (key: string) => key.includes('rl:spread:'),
    };
    for (const [kind, matches] of Object.entries(kinds)) {
      const perMaster = byMaster.map((keys) => keys.filter(matches).length);
      expect(perMaster.reduce((sum, count) => sum + count, 0), kind).toBe(RECORDS);
      for (const count of perMaster) expect(count, `${kind} per master: ${perMaster.join(', ')}`).toBeGreaterThan(0);
    }

    // A tag shared by keys of different records is one of the documented single sequences, nothing else.
    const recordsPerTag = new Map<string, Set<string>>();
    for (const key of byMaster.flat()) {
      const tag = hashTag(key);
      if (tag === undefined) continue;
      const record = key.slice(key.indexOf('}') + 1);
      recordsPerTag.set(tag, (recordsPerTag.get(tag) ?? new Set()).add(record));
    }
    const shared = [...recordsPerTag].filter(([tag, records]) => records.size > 1 && !/^[fuo]:/.test(tag)).map(([tag]) => tag);
    expect(shared.filter((tag) => !SINGLE_TAGS.has(tag))).toEqual([]);
  }, 60_000);
});

import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, testClusterNodes, type RedisTestNamespace } from '../../apps/server/test-support/redis-test-namespace.js';
import { parseConfig } from '../../apps/server/src/config.js';
import { createLogger } from '../../apps/server/src/http/logger.js';
import { createOperatorStores, type OperatorStores } from '../../apps/server/src/stores/create-operator-stores.js';
import { createRedisTokenStore } from '../../apps/server/src/stores/redis/redis-token-store.js';
import { createRedisUserStore } from '../../apps/server/src/stores/redis/redis-user-store.js';
import { redisEnv } from '../support/redis-env.js';

const store = testClusterNodes() === undefined ? 'one Redis' : 'a Redis Cluster';

/**
 * The operator's tool (`pnpm gatehouse`) builds its stores from the servers' settings: with
 * REDIS_CLUSTER_NODES it must reach the cluster the servers write to, not REDIS_URL (unused on a cluster, and
 * possibly some other Redis). A record a server wrote is found, and a user's sessions, spread over the user's
 * and each family's slot, are revoked from the tool.
 */
describe(`operator stores on ${store}`, () => {
  let namespace: RedisTestNamespace;
  let operator: OperatorStores;
  beforeAll(async () => {
    namespace = await createRedisTestNamespace('operator');
    const config = parseConfig(redisEnv(namespace));
    operator = await createOperatorStores(config, { logger: createLogger({ logLevel: 'silent' }), requireAuditKey: true });
  }, 30_000);
  afterAll(async () => {
    await operator?.close();
    await namespace?.cleanup();
  });

  it('finds what a server wrote and revokes every session of a user', async () => {
    // Written as a server would: the same factories on the namespace's own connection.
    const users = createRedisUserStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
    const tokens = createRedisTokenStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
    const email = `operator-${randomUUID()}@test.gatehouse`;
    const user = await users.create({ email, name: 'O', role: 'user', passwordHash: 'not-a-real-hash' });
    const families = [randomUUID(), randomUUID(), randomUUID()];
    for (const familyId of families) {
      const family = { familyId, userId: user.id, clientId: 'gatehouse', scopes: [], expiresAtMs: Date.now() + 60_000 };
      await tokens.createFamily(family, createHash('sha256').update(familyId).digest('hex'));
    }

    expect((await operator.users.findByEmail(email))?.id).toBe(user.id);
    expect(await operator.revocation.revokeUser(user.id)).toBe(families.length);
    for (const familyId of families) {
      const token = await tokens.inspectRefreshToken(familyId, createHash('sha256').update(familyId).digest('hex'));
      expect(token?.active, familyId).toBe(false);
    }
  });
});

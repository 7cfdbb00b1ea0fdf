import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeAuthorizationCodeStore } from '../../../test-support/authorization-code-store-behaviour.js';
import { createRedisAuthorizationCodeStore } from './redis-authorization-code-store.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../../test-support/redis-test-namespace.js';

let namespace: RedisTestNamespace;
let instance = 0;

beforeAll(async () => {
  namespace = await createRedisTestNamespace('oauth-codes');
});
afterAll(() => namespace.cleanup());

describeAuthorizationCodeStore('redis', async () => {
  instance += 1;
  return createRedisAuthorizationCodeStore(namespace.redis, `${namespace.prefix}${instance}:`);
});

it('gives every code key a TTL', async () => {
  const store = createRedisAuthorizationCodeStore(namespace.redis, `${namespace.prefix}ttl:`);
  await store.save('hash-ttl', { clientId: 'web', redirectUri: 'http://x/cb', codeChallenge: 'c', userId: 'u', scopes: [] }, 60);
  const ttl = await namespace.redis.ttl(`${namespace.prefix}ttl:oauth-code:hash-ttl`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60);
});

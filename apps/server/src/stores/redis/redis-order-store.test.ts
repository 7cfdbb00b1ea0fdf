import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOrderStore } from '../../../test-support/order-store-behaviour.js';
import type { NewOrder } from '../order-store.js';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { createRedisConnection } from './redis-connection.js';
import { createRedisOrderStore } from './redis-order-store.js';
import { createRedisStoreFixture, type RedisStoreFixture } from '../../../test-support/redis-store-fixture.js';

let fixture: RedisStoreFixture;
beforeAll(async () => {
  fixture = await createRedisStoreFixture('redis-order-store');
});
afterAll(() => fixture.close());

describeOrderStore('redis', ({ now }) => createRedisOrderStore({ redis: fixture.redis, keyPrefix: fixture.freshPrefix(), now }));

const ORDER: Omit<NewOrder, 'ownerId'> = {
  items: [{ productId: 1, quantity: 1 }],
  shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'credit_card',
};

describe('Redis order store keys', () => {
  it('keeps every key under the prefix and, being a business record, without a TTL', async () => {
    const keyPrefix = fixture.freshPrefix();
    const ownerId = randomUUID();
    const order = await createRedisOrderStore({ redis: fixture.redis, keyPrefix }).create({ ...ORDER, ownerId });
    const keys = await fixture.namespace.keys(`${keyPrefix}*`);
    expect(keys.sort()).toEqual(
      [`${keyPrefix}order:${order.id}`, `${keyPrefix}{orders}:by-sequence`, `${keyPrefix}{o:${ownerId}}:orders`, `${keyPrefix}{orders}:sequence`].sort(),
    );
    for (const key of keys) expect(await fixture.namespace.redis.ttl(key)).toBe(-1);
  });

  it('fails fast with StoreUnavailableError when Redis cannot be reached', async () => {
    const down = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
    try {
      const store = createRedisOrderStore({ redis: down, keyPrefix: fixture.freshPrefix() });
      await expect(store.create({ ...ORDER, ownerId: randomUUID() })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.list({ ownerId: undefined }, { cursor: undefined, limit: 5 })).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      down.disconnect();
    }
  });
});

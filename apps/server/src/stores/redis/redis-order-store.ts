import { orderSchema } from '@gatehouse/contracts';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { newOrderRecord, type NewOrder, type OrderFilter, type OrderRecord, type OrderStore } from '../order-store.js';
import type { Page, PageRequest } from '../page.js';
import { createRedisScript, runOnRedis } from './redis-script.js';
import { pageSortedSet } from './sorted-set-page.js';

/*
 * Keys, all under the configured prefix. Orders are durable business records:
 * neither they nor their indexes carry a TTL (an order that expired would be
 * lost revenue and a broken audit trail). This is the reasoned exception to
 * "every Redis key has a TTL".
 *   order:{id}               JSON of the record
 *   orders:sequence          INCR counter giving each order its creation position
 *   orders:by-sequence       sorted set of every order, for system principals
 *   orders:owner:{ownerId}   sorted set of one owner's orders
 */

/** Writes the record and both indexes in one step: a listed order always exists, and vice versa. */
const CREATE_ORDER = createRedisScript(`
local position = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], position, ARGV[1])
redis.call('ZADD', KEYS[4], position, ARGV[1])
return position
`);

const storedOrder = z.object({
  id: z.string(),
  ownerId: z.string(),
  items: z.array(z.object({ productId: z.number(), quantity: z.number() })),
  shippingAddress: z.object({ line1: z.string(), city: z.string(), postalCode: z.string(), country: z.string() }),
  paymentMethod: orderSchema.shape.paymentMethod,
  status: orderSchema.shape.status,
  createdAt: z.number().int(),
});

export interface RedisOrderStoreOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly now?: () => Date;
}

export function createRedisOrderStore(options: RedisOrderStoreOptions): OrderStore {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => new Date());
  const keys = {
    order: (id: string) => `${keyPrefix}order:${id}`,
    sequence: `${keyPrefix}orders:sequence`,
    bySequence: `${keyPrefix}orders:by-sequence`,
    byOwner: (ownerId: string) => `${keyPrefix}orders:owner:${ownerId}`,
  };

  async function findById(id: string): Promise<OrderRecord | undefined> {
    const json = await runOnRedis(() => redis.get(keys.order(id)));
    return json === null ? undefined : toRecord(json);
  }

  return {
    async create(order: NewOrder): Promise<OrderRecord> {
      const record = newOrderRecord(order, now());
      const json = JSON.stringify({ ...record, createdAt: record.createdAt.getTime() });
      await CREATE_ORDER.run(
        redis,
        [keys.order(record.id), keys.sequence, keys.bySequence, keys.byOwner(record.ownerId)],
        [record.id, json],
      );
      return record;
    },
    findById,
    async list(filter: OrderFilter, page: PageRequest): Promise<Page<OrderRecord>> {
      const key = filter.ownerId === undefined ? keys.bySequence : keys.byOwner(filter.ownerId);
      const ids = await pageSortedSet(redis, key, page, 'descending');
      const orders = await Promise.all(ids.items.map(findById));
      return { items: orders.filter((order) => order !== undefined), nextCursor: ids.nextCursor };
    },
  };
}

function toRecord(json: string): OrderRecord {
  const parsed = storedOrder.safeParse(JSON.parse(json));
  // A record this store did not write is a bug or tampering: fail loudly, never hand out half an order.
  if (!parsed.success) throw new Error('Corrupt order record in Redis');
  return Object.freeze({ ...parsed.data, createdAt: new Date(parsed.data.createdAt) });
}

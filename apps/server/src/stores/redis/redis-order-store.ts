import { orderSchema } from '@gatehouse/contracts';
import type { RedisClient } from './redis-client.js';
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
 *   order:<id>                   JSON of the record (its own slot)
 *   {orders}:sequence            INCR counter giving each order its creation position
 *   {orders}:by-sequence         sorted set of every order, for system principals
 *   {o:<ownerId>}:orders          sorted set of one owner's orders (the owner's tag)
 * On a Redis Cluster these are three slots: the record is written first, then
 * the indexes, so a listed order always exists (a process dying half way
 * leaves at worst an order not yet listed, never a listing of nothing).
 */

/** Gives an order its position in the list of all orders. KEYS: sequence, by-sequence. ARGV: id. */
const INDEX_ORDER = createRedisScript(`
local position = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], position, ARGV[1])
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
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly now?: () => Date;
}

export function createRedisOrderStore(options: RedisOrderStoreOptions): OrderStore {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => new Date());
  const keys = {
    order: (id: string) => `${keyPrefix}order:${id}`,
    sequence: `${keyPrefix}{orders}:sequence`,
    bySequence: `${keyPrefix}{orders}:by-sequence`,
    byOwner: (ownerId: string) => `${keyPrefix}{o:${ownerId}}:orders`,
  };

  async function findById(id: string): Promise<OrderRecord | undefined> {
    const json = await runOnRedis(() => redis.get(keys.order(id)));
    return json === null ? undefined : toRecord(json);
  }

  return {
    async create(order: NewOrder): Promise<OrderRecord> {
      const record = newOrderRecord(order, now());
      const json = JSON.stringify({ ...record, createdAt: record.createdAt.getTime() });
      await runOnRedis(() => redis.set(keys.order(record.id), json));
      const position = Number(await INDEX_ORDER.run(redis, [keys.sequence, keys.bySequence], [record.id]));
      await runOnRedis(() => redis.zadd(keys.byOwner(record.ownerId), position, record.id));
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

import { orderSchema } from '@gatehouse/contracts';
import type { Kysely, Selectable } from 'kysely';
import { newOrderRecord, type OrderRecord, type OrderStore } from '../order-store.js';
import { decodeSequenceCursor } from '../page.js';
import type { GatehouseDatabase, OrdersTable } from './postgres-schema.js';
import { isUuid } from './postgres-user-store.js';
import { pageOfRows } from './postgres-page.js';
import { runOnPostgres } from './postgres-unavailable.js';

export interface PostgresOrderStoreOptions {
  readonly db: Kysely<GatehouseDatabase>;
  readonly now?: () => Date;
}

/** Orders in PostgreSQL, newest first by their identity position (a cursor stays valid while orders arrive). */
export function createPostgresOrderStore(options: PostgresOrderStoreOptions): OrderStore {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  return {
    async create(order) {
      const record = newOrderRecord(order, now());
      await runOnPostgres('order', () =>
        db
          .insertInto('orders')
          .values({
            id: record.id,
            owner_id: record.ownerId,
            items: JSON.stringify(record.items),
            shipping_address: JSON.stringify(record.shippingAddress),
            payment_method: record.paymentMethod,
            status: record.status,
            created_at: record.createdAt,
          })
          .execute(),
      );
      return record;
    },

    async findById(id) {
      if (!isUuid(id)) return undefined;
      const row = await runOnPostgres('order', () => db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst());
      return row === undefined ? undefined : toRecord(row);
    },

    async list(filter, page) {
      const before = page.cursor === undefined ? undefined : decodeSequenceCursor(page.cursor);
      const rows = await runOnPostgres('order', () => {
        let query = db.selectFrom('orders').selectAll().orderBy('position', 'desc').limit(page.limit + 1);
        if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
        if (before !== undefined) query = query.where('position', '<', String(before));
        return query.execute();
      });
      return pageOfRows(rows, page.limit, toRecord);
    },
  };
}

const storedOrder = orderSchema.pick({ items: true, shippingAddress: true, paymentMethod: true, status: true });

/** jsonb comes back parsed; it is read through the contract's order schema, as the Redis store reads its JSON. */
function toRecord(row: Selectable<OrdersTable>): OrderRecord {
  const parsed = storedOrder.parse({ items: row.items, shippingAddress: row.shipping_address, paymentMethod: row.payment_method, status: row.status });
  return Object.freeze({
    id: row.id,
    ownerId: row.owner_id,
    items: parsed.items,
    shippingAddress: parsed.shippingAddress,
    paymentMethod: parsed.paymentMethod,
    status: parsed.status,
    createdAt: row.created_at,
  });
}

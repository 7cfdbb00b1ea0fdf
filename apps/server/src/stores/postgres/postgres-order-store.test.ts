import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOrderStore } from '../../../test-support/order-store-behaviour.js';
import { createPostgresOrderStore } from './postgres-order-store.js';
import { createPostgresStoreFixture, type PostgresStoreFixture } from '../../../test-support/postgres-store-fixture.js';

let fixture: PostgresStoreFixture;
beforeAll(async () => {
  fixture = await createPostgresStoreFixture('order-store');
});
afterAll(() => fixture?.close());

describeOrderStore('postgres', async ({ now }) => {
  await fixture.empty();
  return createPostgresOrderStore({ db: fixture.database.db, now });
});

describe('PostgreSQL order store', () => {
  it('keeps items and address as jsonb an operator can query', async () => {
    await fixture.empty();
    const ownerId = randomUUID();
    const order = await createPostgresOrderStore({ db: fixture.database.db }).create({
      ownerId,
      items: [{ productId: 7, quantity: 3 }],
      shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
      paymentMethod: 'paypal',
    });
    const rows = await fixture.schema.admin.query(`SELECT id, items -> 0 ->> 'quantity' AS quantity, shipping_address ->> 'city' AS city FROM orders WHERE owner_id = $1`, [ownerId]);
    expect(rows.rows).toEqual([{ id: order.id, quantity: '3', city: 'Berlin' }]);
  });
});

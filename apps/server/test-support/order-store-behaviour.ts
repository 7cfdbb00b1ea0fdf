import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewOrder, OrderStore } from '../src/stores/order-store.js';
import { InvalidCursorError } from '../src/stores/page.js';
import { FORGED_CURSORS } from './user-store-behaviour.js';

/** What a suite hands each test: a fresh, empty store on a clock the test controls. */
export type CreateOrderStore = (options: { readonly now: () => Date }) => OrderStore | Promise<OrderStore>;

function newOrder(ownerId: string, productId = 1): NewOrder {
  return {
    ownerId,
    items: [{ productId, quantity: 2 }],
    shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
    paymentMethod: 'paypal',
  };
}

async function collect(store: OrderStore, ownerId: string | undefined, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ownerId }, { cursor, limit });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((order) => order.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}

/**
 * The behaviour every OrderStore must have, run against each implementation
 * (memory and Redis) so that they cannot drift apart.
 */
export function describeOrderStore(name: string, create: CreateOrderStore): void {
  describe(`OrderStore (${name})`, () => {
    const fixedNow = new Date('2030-05-06T07:08:09.010Z');
    const fresh = () => create({ now: () => fixedNow });

    it('creates a pending order with a UUID and the clock’s time, found again by id', async () => {
      const store = await fresh();
      const input = newOrder(randomUUID(), 42);
      const created = await store.create(input);
      expect(created).toEqual({ ...input, id: created.id, status: 'pending', createdAt: fixedNow });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.findById(created.id)).toEqual(created);
    });

    it('keeps no reference to the caller’s input', async () => {
      const store = await fresh();
      const input = { ...newOrder(randomUUID()), items: [{ productId: 3, quantity: 1 }] };
      const created = await store.create(input);
      input.items[0]!.quantity = 999;
      expect((await store.findById(created.id))?.items).toEqual([{ productId: 3, quantity: 1 }]);
    });

    it('answers undefined for an unknown id', async () => {
      const store = await fresh();
      expect(await store.findById(randomUUID())).toBeUndefined();
    });

    it('lists an owner’s orders newest first, page by page, and no one else’s', async () => {
      const store = await fresh();
      const alice = randomUUID();
      const bob = randomUUID();
      const alices = [];
      for (let index = 0; index < 5; index += 1) {
        alices.push(await store.create(newOrder(alice, index + 1)));
        await store.create(newOrder(bob));
      }
      expect(await collect(store, alice, 2)).toEqual(alices.map((order) => order.id).reverse());
      expect(await store.list({ ownerId: randomUUID() }, { cursor: undefined, limit: 5 })).toEqual({ items: [], nextCursor: null });
    });

    it('lists every order newest first when no owner is given (system principals)', async () => {
      const store = await fresh();
      const created = [];
      for (const owner of [randomUUID(), randomUUID(), randomUUID()]) created.push(await store.create(newOrder(owner)));
      expect(await collect(store, undefined, 2)).toEqual(created.map((order) => order.id).reverse());
    });

    it('keeps a cursor valid while new orders arrive: no duplicates, no gaps', async () => {
      const store = await fresh();
      const owner = randomUUID();
      const created = [];
      for (let index = 0; index < 4; index += 1) created.push(await store.create(newOrder(owner)));
      const first = await store.list({ ownerId: owner }, { cursor: undefined, limit: 2 });
      await store.create(newOrder(owner));
      const second = await store.list({ ownerId: owner }, { cursor: first.nextCursor ?? undefined, limit: 2 });
      expect([...first.items, ...second.items].map((order) => order.id)).toEqual(created.map((order) => order.id).reverse());
      expect(second.nextCursor).toBeNull();
    });

    it('records every one of many concurrent orders exactly once', async () => {
      const store = await fresh();
      const owner = randomUUID();
      const created = await Promise.all(Array.from({ length: 25 }, (_, index) => store.create(newOrder(owner, index + 1))));
      const listed = await collect(store, owner, 7);
      expect(new Set(listed).size).toBe(25);
      expect([...listed].sort()).toEqual(created.map((order) => order.id).sort());
    });

    it.each(FORGED_CURSORS)('refuses the forged cursor %s with InvalidCursorError', async (cursor) => {
      const store = await fresh();
      await store.create(newOrder(randomUUID()));
      await expect(store.list({ ownerId: undefined }, { cursor, limit: 10 })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });
}

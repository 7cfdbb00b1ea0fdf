import { randomUUID } from 'node:crypto';
import type { CreateOrderInput, Order } from '@gatehouse/contracts';
import type { Page, PageRequest } from './page.js';

export interface OrderRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly items: CreateOrderInput['items'];
  readonly shippingAddress: CreateOrderInput['shippingAddress'];
  readonly paymentMethod: CreateOrderInput['paymentMethod'];
  readonly status: Order['status'];
  readonly createdAt: Date;
}

export interface NewOrder extends CreateOrderInput {
  readonly ownerId: string;
}

export interface OrderFilter {
  /** Only this owner's orders; undefined lists every order (system principals). */
  readonly ownerId: string | undefined;
}

export interface OrderStore {
  create(order: NewOrder): Promise<OrderRecord>;
  findById(id: string): Promise<OrderRecord | undefined>;
  /** Newest first. */
  list(filter: OrderFilter, page: PageRequest): Promise<Page<OrderRecord>>;
}

/** The record a new order becomes on any store: a fresh id, copies of its input (never shared with the caller), pending. */
export function newOrderRecord(order: NewOrder, createdAt: Date): OrderRecord {
  return Object.freeze({
    id: randomUUID(),
    ownerId: order.ownerId,
    items: order.items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
    shippingAddress: { ...order.shippingAddress },
    paymentMethod: order.paymentMethod,
    status: 'pending' as const,
    createdAt,
  });
}

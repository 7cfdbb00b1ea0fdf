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

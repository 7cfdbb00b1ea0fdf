import type { Order } from '@gatehouse/contracts';
import type { OrderRecord } from '../stores/order-store.js';

export function toOrder(order: OrderRecord): Order {
  return {
    id: order.id,
    ownerId: order.ownerId,
    items: order.items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
    shippingAddress: { ...order.shippingAddress },
    paymentMethod: order.paymentMethod,
    status: order.status,
    createdAt: order.createdAt.toISOString(),
  };
}

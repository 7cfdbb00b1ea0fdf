import { z } from 'zod';
import { idSchema, isoTimestamp } from './common.js';

/** The payment methods an order may name. */
export const PAYMENT_METHODS = ['credit_card', 'paypal', 'apple_pay'] as const;
/** One of {@link PAYMENT_METHODS}. */
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const orderItemSchema = z.strictObject({
  productId: z.number().int().min(1),
  quantity: z.number().int().min(1).max(1000),
});

const ADDRESS_LINE = /^[a-zA-Z0-9\s,\-.#]{5,200}$/;

export const shippingAddressSchema = z.strictObject({
  line1: z.string().regex(ADDRESS_LINE, 'An address line has 5 to 200 letters, digits, spaces or , - . #'),
  city: z.string().trim().min(1).max(100).regex(/^[\p{L}\p{M}\s'.-]+$/u, 'A city name has letters, spaces, apostrophes, dots or hyphens'),
  postalCode: z.string().regex(/^[A-Za-z0-9 -]{2,12}$/, 'A postal code has 2 to 12 letters, digits, spaces or hyphens'),
  country: z.string().regex(/^[A-Z]{2}$/, 'A country is an ISO 3166-1 alpha-2 code, such as DE'),
});

/**
 * The input of orders.create: 1 to 100 items (integer `productId` at least 1,
 * `quantity` 1 to 1000), a shipping address and a payment method.
 */
export const createOrderInput = z.strictObject({
  items: z.array(orderItemSchema).min(1, 'An order has at least one item').max(100, 'An order has at most 100 items'),
  shippingAddress: shippingAddressSchema,
  paymentMethod: z.enum(PAYMENT_METHODS),
});

/** The parsed input of orders.create; see {@link createOrderInput}. */
export type CreateOrderInput = z.infer<typeof createOrderInput>;

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'cancelled'] as const;

/** An order as orders.create, orders.list and orders.byId return it. */
export const orderSchema = z.object({
  id: idSchema,
  ownerId: idSchema,
  items: z.array(z.object({ productId: z.number(), quantity: z.number() })),
  shippingAddress: z.object({ line1: z.string(), city: z.string(), postalCode: z.string(), country: z.string() }),
  paymentMethod: z.enum(PAYMENT_METHODS),
  status: z.enum(ORDER_STATUSES),
  createdAt: isoTimestamp,
});

/** An order; see {@link orderSchema}. */
export type Order = z.infer<typeof orderSchema>;

import { defineMutation, defineQuery } from '../define-procedure.js';
import { byIdInput, pageInput, pageOf } from '../schemas/common.js';
import { createOrderInput, orderSchema } from '../schemas/order.js';

export const ordersContracts = {
  create: defineMutation({
    summary: 'Places an order owned by the caller',
    input: createOrderInput,
    output: orderSchema,
    auth: { scopes: ['orders:write'], subject: 'user' },
  }),
  list: defineQuery({
    summary: 'The caller’s orders, newest first (every order for system principals)',
    input: pageInput,
    output: pageOf(orderSchema),
    auth: { scopes: ['orders:read'] },
  }),
  byId: defineQuery({
    summary: 'One order: the caller’s own, any for admins and system principals, or one of their region for support staff',
    input: byIdInput,
    output: orderSchema,
    auth: { scopes: ['orders:read'], policy: 'order.readable' },
    idLookup: true,
  }),
};

import { adminContracts } from './procedures/admin.js';
import { apiKeysContracts } from './procedures/api-keys.js';
import { authContracts } from './procedures/auth.js';
import { healthContracts } from './procedures/health.js';
import { ordersContracts } from './procedures/orders.js';
import { usersContracts } from './procedures/users.js';

/**
 * Every Gatehouse procedure, keyed by its path. The server must implement
 * exactly these; the client's types come from the router built from them.
 */
export const contracts = {
  ...healthContracts,
  auth: authContracts,
  users: usersContracts,
  orders: ordersContracts,
  admin: adminContracts,
  apiKeys: apiKeysContracts,
} as const;

/** The type of {@link contracts}: every procedure's literal contract, which the router and client types are derived from. */
export type Contracts = typeof contracts;

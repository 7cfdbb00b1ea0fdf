import { contracts } from '@gatehouse/contracts';
import { adminHandlers } from './admin.js';
import { apiKeysHandlers } from './api-keys.js';
import { authHandlers } from './auth.js';
import { buildRouter } from './build-router.js';
import { healthHandlers } from './health.js';
import { ordersHandlers } from './orders.js';
import { usersHandlers } from './users.js';

/** The whole API: one handler per contract, each behind the middleware its contract implies. */
export const appRouter = buildRouter(contracts, {
  ...healthHandlers,
  auth: authHandlers,
  users: usersHandlers,
  orders: ordersHandlers,
  admin: adminHandlers,
  apiKeys: apiKeysHandlers,
});

export type AppRouter = typeof appRouter;

import { contracts, type Contracts } from '@gatehouse/contracts';
import type { RouterMatchesContracts } from '@gatehouse/contracts/trpc';
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

/**
 * Compile-time: the router served has exactly the procedure types clients derive from the contracts alone
 * (`GatehouseRouter` of `@gatehouse/contracts/trpc`), and Gatehouse's error shape. A procedure added,
 * removed or retyped outside the contracts fails `pnpm typecheck` here instead of drifting from the client.
 */
export const appRouterMatchesContracts: RouterMatchesContracts<AppRouter, Contracts> = true;

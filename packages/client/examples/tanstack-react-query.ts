// Gatehouse with tRPC's TanStack Query integration: Gatehouse's links (auth headers, typed errors, batching)
// in a tRPC client of your own, composed with your own links. Type-checked by `pnpm typecheck`, not run.
import type { Order } from '@gatehouse/contracts';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, loggerLink } from '@trpc/client';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { gatehouseLinks, isGatehouseError, type GatehouseRouter } from '../src/index.js';

declare function readAccessToken(): string | undefined;

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 401, 403 or 404 will not change by asking again; a 429 says when to come back.
      retry: (failures, error) => !isGatehouseError(error) || (error.code === 'TOO_MANY_REQUESTS' && failures < 1),
    },
  },
});

export const trpcClient = createTRPCClient<GatehouseRouter>({
  links: gatehouseLinks({
    url: 'https://gatehouse.example',
    getAccessToken: readAccessToken,
    links: [loggerLink({ enabled: () => false })],
  }),
});

export const trpc = createTRPCOptionsProxy<GatehouseRouter>({ client: trpcClient, queryClient });

export async function loadOrder(id: string): Promise<Order> {
  return queryClient.fetchQuery(trpc.orders.byId.queryOptions({ id }));
}

export const ordersKey = trpc.orders.list.queryKey({ limit: 20 });

export function wrongInputs() {
  // @ts-expect-error orders.byId takes { id }
  trpc.orders.byId.queryOptions({ orderId: 'x' });
  // @ts-expect-error no such procedure
  trpc.orders.delete.mutationOptions();
}

/**
 * The OAuth client ids this process accepts tokens for (seed `clients`).
 * Filled from the seed at start, like the service directory: every process
 * loads the same seed. A client removed from the seed is gone at the next
 * start, and with it every client_credentials token it was issued.
 */
export interface ClientDirectory {
  register(clientId: string): void;
  has(clientId: string): boolean;
}

export function createClientDirectory(): ClientDirectory {
  const clientIds = new Set<string>();
  return {
    register(clientId) {
      clientIds.add(clientId);
    },
    has: (clientId) => clientIds.has(clientId),
  };
}

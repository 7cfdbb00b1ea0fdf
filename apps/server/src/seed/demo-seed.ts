import type { SeedInput } from './seed-schema.js';

/**
 * The development seed: loaded only in development when no seed file is
 * given, and the only seed whose credentials are ever printed.
 */
export const DEMO_SEED = {
  users: [
    { email: 'admin@gatehouse.dev', password: 'admin-demo-password', name: 'Ada Admin', role: 'admin' },
    { email: 'alice@gatehouse.dev', password: 'alice-demo-password', name: 'Alice', role: 'user' },
    // Support staff in EMEA: reads the orders that ship to EMEA countries (policy order.readable), read only.
    { email: 'bob@gatehouse.dev', password: 'bob-demo-password', name: 'Bob', role: 'user', attributes: { department: 'support', region: 'emea' } },
  ],
  clients: [
    {
      clientId: 'web',
      type: 'public',
      redirectUris: ['http://127.0.0.1:5173/cb'],
      scopes: ['users:read', 'orders:read', 'orders:write'],
    },
    {
      clientId: 'billing',
      type: 'confidential',
      secret: 'billing-demo-secret-change-me',
      grantTypes: ['client_credentials'],
      scopes: ['orders:read'],
    },
  ],
  services: [],
} as const satisfies SeedInput;

import type { SeedInput } from '@gatehouse/server';

/** Accounts every end-to-end test can rely on. Passwords are for tests only. */
export const TEST_USERS = {
  admin: { email: 'admin@test.gatehouse', password: 'admin-test-password', name: 'Admin', role: 'admin' },
  alice: { email: 'alice@test.gatehouse', password: 'alice-test-password', name: 'Alice', role: 'user' },
  bob: { email: 'bob@test.gatehouse', password: 'bob-test-password', name: 'Bob', role: 'user' },
} as const;

export const TEST_SEED = {
  users: Object.values(TEST_USERS),
  clients: [
    { clientId: 'web', type: 'public', redirectUris: ['http://127.0.0.1:5173/cb'], scopes: ['users:read', 'orders:read', 'orders:write'] },
    { clientId: 'billing', type: 'confidential', secret: 'billing-test-secret-0123456789', grantTypes: ['client_credentials'], scopes: ['orders:read'] },
  ],
} as const satisfies SeedInput;

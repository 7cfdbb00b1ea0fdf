import { expect, it } from 'vitest';
import { describeOAuthClientStore, newConfidentialClient } from '../../../test-support/oauth-client-store-behaviour.js';
import { StoreFullError } from '../user-store.js';
import { createMemoryOAuthClientStore } from './memory-oauth-client-store.js';

describeOAuthClientStore('memory', ({ now }) => createMemoryOAuthClientStore({ now }));

it('the memory OAuth client store refuses to grow past its bound', async () => {
  const store = createMemoryOAuthClientStore({ maxClients: 1 });
  await store.create(newConfidentialClient());
  await expect(store.create(newConfidentialClient())).rejects.toBeInstanceOf(StoreFullError);
});

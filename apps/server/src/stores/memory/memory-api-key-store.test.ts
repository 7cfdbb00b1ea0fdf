import { describe, expect, it } from 'vitest';
import { newApiKey, describeApiKeyStore } from '../../../test-support/api-key-store-behaviour.js';
import { StoreFullError } from '../user-store.js';
import { createMemoryApiKeyStore } from './memory-api-key-store.js';

describeApiKeyStore('memory', () => createMemoryApiKeyStore());

describe('memory API key store', () => {
  it('is bounded: refuses keys past maxKeys', async () => {
    const store = createMemoryApiKeyStore({ maxKeys: 1 });
    await store.create(newApiKey());
    await expect(store.create(newApiKey())).rejects.toBeInstanceOf(StoreFullError);
  });
});

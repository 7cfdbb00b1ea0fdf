import type { ApiKey } from '@gatehouse/contracts';
import type { ApiKeyRecord } from '../stores/api-key-store.js';

/** A key as apiKeys.list shows it: never the key, never its hash. */
export function toApiKey(record: ApiKeyRecord): ApiKey {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: [...record.scopes],
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    expiresAt: record.expiresAt?.toISOString() ?? null,
  };
}

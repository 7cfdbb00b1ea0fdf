import type { Scope } from '@gatehouse/contracts';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { ParentApiKeyGoneError, type ApiKeyRecord, type ApiKeyStore } from '../stores/api-key-store.js';
import type { Page, PageRequest } from '../stores/page.js';
import { generateApiKey, isWellFormedApiKey } from './key-format.js';
import { hashApiKey, hashesEqual } from './hash-api-key.js';

/** last-used is written at most this often per key: a busy key must not cost a write per request. */
export const LAST_USED_INTERVAL_MS = 60_000;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface IssueApiKeyRequest {
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly expiresInDays?: number | undefined;
  /** The key the caller authenticated with, if any: the new key expires no later and is revoked with it. */
  readonly parentId?: string | undefined;
}

export interface IssuedApiKey {
  readonly record: ApiKeyRecord;
  /** The secret: returned to the caller once, never stored. */
  readonly key: string;
}

/**
 * API keys as a domain: issuing (the key is generated here and only its
 * hash leaves for the store) and verifying a presented key. Verification
 * reads the store on every call, with no cache, so a revocation holds on
 * the next request of every process.
 */
export interface ApiKeys {
  issue(request: IssueApiKeyRequest): Promise<IssuedApiKey>;
  /**
   * The live record of a presented key. Throws AuthFailureError: invalid_token for
   * a malformed key (before any store lookup) or an unknown one,
   * revoked_token, expired_token. Store failures propagate (StoreUnavailableError).
   */
  verify(key: string): Promise<ApiKeyRecord>;
  list(ownerId: string, page: PageRequest): Promise<Page<ApiKeyRecord>>;
  /** Revokes the owner's key and every key minted through it. */
  revoke(ownerId: string, id: string): Promise<ApiKeyRecord | undefined>;
  /** Revokes every key of the owner; resolves to how many were not revoked yet. */
  revokeAllOfOwner(ownerId: string): Promise<number>;
}

export interface ApiKeysOptions {
  readonly store: ApiKeyStore;
  readonly now?: () => number;
  /** Called when writing last-used fails: the request still succeeds, the write is retried next time. */
  readonly onTouchFailed?: (error: unknown) => void;
}

export function createApiKeys(options: ApiKeysOptions): ApiKeys {
  const { store } = options;
  const now = options.now ?? Date.now;

  return {
    /** Throws AuthFailureError revoked_token when the parent key stopped working while the request ran. */
    async issue(request) {
      const { key, prefix } = generateApiKey();
      const expiresAt = request.expiresInDays === undefined ? undefined : new Date(now() + request.expiresInDays * DAY_MS);
      const record = await store
        .create({ ownerId: request.ownerId, name: request.name, prefix, hash: hashApiKey(key), scopes: request.scopes, expiresAt, parentId: request.parentId })
        .catch((error: unknown) => {
          if (error instanceof ParentApiKeyGoneError) throw new AuthFailureError('revoked_token');
          throw error;
        });
      return { record, key };
    },

    async verify(key) {
      // The checksum catches typos and truncation without touching the store: no lookup, no load.
      if (!isWellFormedApiKey(key)) throw new AuthFailureError('invalid_token');
      const hash = hashApiKey(key);
      const record = await store.findByHash(hash);
      // The index found the record by this hash; comparing again in constant time
      // keeps the decision itself free of a byte-by-byte early exit.
      if (record === undefined || !hashesEqual(record.hash, hash)) throw new AuthFailureError('invalid_token');
      if (record.revokedAt !== undefined) throw new AuthFailureError('revoked_token');
      const at = now();
      if (record.expiresAt !== undefined && record.expiresAt.getTime() <= at) throw new AuthFailureError('expired_token');
      const last = record.lastUsedAt?.getTime();
      if (last === undefined || at - last >= LAST_USED_INTERVAL_MS) {
        await store.touchLastUsed(record.id, new Date(at), LAST_USED_INTERVAL_MS).catch((error: unknown) => {
          options.onTouchFailed?.(error);
          return false;
        });
      }
      return record;
    },

    list: (ownerId, page) => store.listByOwner(ownerId, page),

    revoke: (ownerId, id) => store.revoke(ownerId, id, new Date(now())),

    revokeAllOfOwner: (ownerId) => store.revokeAllOfOwner(ownerId, new Date(now())),
  };
}

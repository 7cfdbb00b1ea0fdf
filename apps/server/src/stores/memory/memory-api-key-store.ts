import { randomUUID } from 'node:crypto';
import { expiryUnderParent, type ApiKeyRecord, type ApiKeyStore, type NewApiKey } from '../api-key-store.js';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../page.js';
import { StoreFullError } from '../user-store.js';

export interface MemoryApiKeyStoreOptions {
  /** The store refuses new keys past this many (development store: bounded). */
  readonly maxKeys?: number;
  readonly now?: () => Date;
}

interface Entry {
  record: ApiKeyRecord;
  readonly sequence: number;
}

/** One process's API keys: for development and tests. Revocation is seen at once because nothing is copied. */
export function createMemoryApiKeyStore(options: MemoryApiKeyStoreOptions = {}): ApiKeyStore {
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? (() => new Date());
  const byId = new Map<string, Entry>();
  const idByHash = new Map<string, string>();
  const childrenOf = new Map<string, string[]>();
  let sequence = 0;

  /** Revokes one key and everything minted through it; returns how many were live. */
  function revokeWithDescendants(rootId: string, at: Date): number {
    let revoked = 0;
    const queue = [rootId];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const entry = byId.get(id);
      if (entry === undefined) continue;
      if (entry.record.revokedAt === undefined) {
        entry.record = Object.freeze({ ...entry.record, revokedAt: at });
        revoked += 1;
      }
      queue.push(...(childrenOf.get(id) ?? []));
    }
    return revoked;
  }

  return {
    async create(key: NewApiKey) {
      if (byId.size >= maxKeys) throw new StoreFullError('API key');
      let { expiresAt } = key;
      if (key.parentId !== undefined) expiresAt = expiryUnderParent(byId.get(key.parentId)?.record, expiresAt, now().getTime());
      const record: ApiKeyRecord = Object.freeze({
        ...key,
        expiresAt,
        scopes: Object.freeze([...key.scopes]),
        id: randomUUID(),
        createdAt: now(),
        lastUsedAt: undefined,
        revokedAt: undefined,
      });
      byId.set(record.id, { record, sequence: sequence++ });
      idByHash.set(record.hash, record.id);
      if (key.parentId !== undefined) childrenOf.set(key.parentId, [...(childrenOf.get(key.parentId) ?? []), record.id]);
      return record;
    },

    async findByHash(hash) {
      const id = idByHash.get(hash);
      return id === undefined ? undefined : byId.get(id)?.record;
    },

    async listByOwner(ownerId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
      const before =
        page.cursor === undefined
          ? Number.POSITIVE_INFINITY
          : Number(decodeCursor(page.cursor, (position) => /^s:\d{1,15}$/.test(position)).slice(2));
      // A scan is fine for a development store bounded at maxKeys; Redis keeps a per-owner index.
      const owned = [...byId.values()]
        .filter((entry) => entry.record.ownerId === ownerId && entry.record.revokedAt === undefined && entry.sequence < before)
        .sort((a, b) => b.sequence - a.sequence);
      const items = owned.slice(0, page.limit);
      const last = items.at(-1);
      return {
        items: items.map((entry) => entry.record),
        nextCursor: owned.length > page.limit && last !== undefined ? encodeCursor(`s:${last.sequence}`) : null,
      };
    },

    async revoke(ownerId, id, at) {
      const entry = byId.get(id);
      if (entry === undefined || entry.record.ownerId !== ownerId) return undefined;
      revokeWithDescendants(id, at);
      return entry.record;
    },

    async revokeAllOfOwner(ownerId, at) {
      let revoked = 0;
      for (const entry of byId.values()) {
        if (entry.record.ownerId === ownerId && entry.record.revokedAt === undefined) revoked += revokeWithDescendants(entry.record.id, at);
      }
      return revoked;
    },

    async touchLastUsed(id, at, minIntervalMs) {
      const entry = byId.get(id);
      if (entry === undefined) return false;
      const last = entry.record.lastUsedAt;
      if (last !== undefined && at.getTime() - last.getTime() < minIntervalMs) return false;
      entry.record = Object.freeze({ ...entry.record, lastUsedAt: at });
      return true;
    },
  };
}

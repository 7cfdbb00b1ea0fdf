import { randomUUID } from 'node:crypto';
import { scopeSchema } from '@gatehouse/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import { API_KEY_RETENTION_MS, expiryUnderParent, type ApiKeyRecord, type ApiKeyStore } from '../api-key-store.js';
import { decodeSequenceCursor } from '../page.js';
import type { LookupCache } from './lookup-cache.js';
import type { ApiKeysTable, GatehouseDatabase } from './postgres-schema.js';
import { isUuid } from './postgres-user-store.js';
import { pageOfRows } from './postgres-page.js';
import { runOnPostgres } from './postgres-unavailable.js';

export interface PostgresApiKeyStoreOptions {
  readonly db: Kysely<GatehouseDatabase>;
  readonly now?: () => Date;
  /** findByHash results (every API-key call asks); evicted here on every change of the key. */
  readonly cache?: LookupCache<ApiKeyRecord>;
}

/** A revocation cascades one generation per round; more rounds than this means a cycle, which ids cannot form. */
const MAX_CASCADE_ROUNDS = 64;

const storedScopes = z.array(scopeSchema);

/** Ended keys removed after each creation: enough to keep pace with any rate at which keys can be minted. */
const PURGE_BATCH = 100;

/**
 * API keys in PostgreSQL, hashes only. Creation through a parent, revocation with its cascade and the
 * owner-wide revocation are each one transaction; the parent row is locked while a child is linked to it,
 * so a key can never be minted through a parent that a concurrent revocation has already passed.
 */
export function createPostgresApiKeyStore(options: PostgresApiKeyStoreOptions): ApiKeyStore {
  const { db, cache } = options;
  const now = options.now ?? (() => new Date());

  function changed(hashes: readonly string[]): void {
    for (const hash of hashes) cache?.delete(hash);
  }

  /**
   * Keys that ended (revoked or expired) more than API_KEY_RETENTION_MS ago go, a batch after each
   * creation: the table holds the live keys and a month of ended ones, as the Redis store's TTLs do, with
   * no timer to run. Until then an ended key answers revoked_token or expired_token, which tell its
   * holder to stop retrying; the audit log keeps the record of its revocation for good. Keys minted
   * through one go with it (ON DELETE CASCADE): they ended no later than their parent.
   */
  async function purgeEnded(): Promise<void> {
    const cutoff = new Date(now().getTime() - API_KEY_RETENTION_MS);
    const removed = await db
      .deleteFrom('api_keys')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('api_keys')
          .select('id')
          .where((ended) => ended.or([ended('revoked_at', '<', cutoff), ended('expires_at', '<', cutoff)]))
          .limit(PURGE_BATCH),
      )
      .returning('hash')
      .execute();
    changed(removed.map((row) => row.hash));
  }

  return {
    async create(key) {
      const record = await runOnPostgres('API key', () =>
        db.transaction().execute(async (trx) => {
          let { expiresAt } = key;
          if (key.parentId !== undefined) {
            // FOR SHARE: a revocation of the parent (FOR UPDATE) waits for this key to exist, then revokes it too.
            const parent = isUuid(key.parentId)
              ? await trx.selectFrom('api_keys').select(['revoked_at', 'expires_at']).where('id', '=', key.parentId).forShare().executeTakeFirst()
              : undefined;
            const state = parent === undefined ? undefined : { revokedAt: parent.revoked_at ?? undefined, expiresAt: parent.expires_at ?? undefined };
            expiresAt = expiryUnderParent(state, expiresAt, now().getTime());
          }
          const created: ApiKeyRecord = Object.freeze({
            ...key,
            expiresAt,
            scopes: Object.freeze([...key.scopes]),
            id: randomUUID(),
            createdAt: now(),
            lastUsedAt: undefined,
            revokedAt: undefined,
          });
          await trx
            .insertInto('api_keys')
            .values({
              id: created.id,
              owner_id: created.ownerId,
              name: created.name,
              prefix: created.prefix,
              hash: created.hash,
              scopes: JSON.stringify(created.scopes),
              created_at: created.createdAt,
              expires_at: created.expiresAt ?? null,
              parent_id: created.parentId ?? null,
            })
            .execute();
          return created;
        }),
      );
      // After the creation committed, and never its failure: a purge that fails now is done by the next one.
      await purgeEnded().catch(() => undefined);
      return record;
    },

    async findByHash(hash) {
      const cached = cache?.get(hash);
      if (cached !== undefined) return cached;
      const row = await runOnPostgres('API key', () => db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst());
      if (row === undefined) return undefined;
      const record = toRecord(row);
      cache?.set(hash, record);
      return record;
    },

    async listByOwner(ownerId, page) {
      const before = page.cursor === undefined ? undefined : decodeSequenceCursor(page.cursor);
      const rows = await runOnPostgres('API key', () => {
        let query = db
          .selectFrom('api_keys')
          .selectAll()
          .where('owner_id', '=', ownerId)
          .where('revoked_at', 'is', null)
          .orderBy('position', 'desc')
          .limit(page.limit + 1);
        if (before !== undefined) query = query.where('position', '<', String(before));
        return query.execute();
      });
      return pageOfRows(rows, page.limit, toRecord);
    },

    async revoke(ownerId, id, at) {
      if (!isUuid(id)) return undefined;
      const outcome = await runOnPostgres('API key', () =>
        db.transaction().execute(async (trx) => {
          // Locked first: a child being minted through this key (FOR SHARE) finishes before the cascade looks.
          const key = await trx.selectFrom('api_keys').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).forUpdate().executeTakeFirst();
          if (key === undefined) return undefined;
          const hashes: string[] = [];
          if (key.revoked_at === null) {
            hashes.push(key.hash);
            await trx.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
          }
          // Each statement sees what committed before it: rounds until none is left catch a grandchild
          // minted while an earlier round waited on its parent's lock.
          for (let round = 0; round < MAX_CASCADE_ROUNDS; round += 1) {
            const revoked = await sql<{ hash: string }>`
              WITH RECURSIVE minted AS (
                SELECT id FROM api_keys WHERE parent_id = ${id}
                UNION
                SELECT child.id FROM api_keys child JOIN minted ON child.parent_id = minted.id
              )
              UPDATE api_keys SET revoked_at = ${at}
              WHERE id IN (SELECT id FROM minted) AND revoked_at IS NULL
              RETURNING hash`.execute(trx);
            if (revoked.rows.length === 0) break;
            hashes.push(...revoked.rows.map((row) => row.hash));
          }
          const after = await trx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          return { record: toRecord(after), hashes };
        }),
      );
      if (outcome === undefined) return undefined;
      changed(outcome.hashes);
      return outcome.record;
    },

    async revokeAllOfOwner(ownerId, at) {
      const revoked = await runOnPostgres('API key', () =>
        db.updateTable('api_keys').set({ revoked_at: at }).where('owner_id', '=', ownerId).where('revoked_at', 'is', null).returning('hash').execute(),
      );
      changed(revoked.map((row) => row.hash));
      return revoked.length;
    },

    async touchLastUsed(id, at, minIntervalMs) {
      if (!isUuid(id)) return false;
      const threshold = new Date(at.getTime() - minIntervalMs);
      // One conditional UPDATE: the row lock makes racing processes write once.
      const row = await runOnPostgres('API key', () =>
        db
          .updateTable('api_keys')
          .set({ last_used_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', threshold)]))
          .returningAll()
          .executeTakeFirst(),
      );
      if (row === undefined) return false;
      // Kept rather than evicted: the next call reads the new last use from the cache and does not touch again.
      if (cache?.get(row.hash) !== undefined) cache.set(row.hash, toRecord(row));
      return true;
    },
  };
}

function toRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return Object.freeze({
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    scopes: Object.freeze(storedScopes.parse(row.scopes)),
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
    lastUsedAt: row.last_used_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    parentId: row.parent_id ?? undefined,
  });
}

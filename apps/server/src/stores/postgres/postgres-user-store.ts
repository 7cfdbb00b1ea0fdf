import { randomUUID } from 'node:crypto';
import { roleSchema, userAttributesSchema, type UserAttributes } from '@gatehouse/contracts';
import type { Kysely, Selectable } from 'kysely';
import { decodeSequenceCursor, type Page } from '../page.js';
import { EmailTakenError, type UserRecord, type UserStore } from '../user-store.js';
import type { LookupCache } from './lookup-cache.js';
import type { GatehouseDatabase, UsersTable } from './postgres-schema.js';
import { pageOfRows } from './postgres-page.js';
import { runOnPostgres, sqlState } from './postgres-unavailable.js';

export interface PostgresUserStoreOptions {
  readonly db: Kysely<GatehouseDatabase>;
  readonly now?: () => Date;
  /** findById results (role checks and principal presence ask on every call); evicted here on every change. */
  readonly cache?: LookupCache<UserRecord>;
}

/** Users in PostgreSQL. Email uniqueness is the unique index on lower(email): no check-then-insert race. */
export function createPostgresUserStore(options: PostgresUserStoreOptions): UserStore {
  const { db, cache } = options;
  const now = options.now ?? (() => new Date());

  async function update(
    id: string,
    changes: { name: string } | { role: UserRecord['role'] } | { attributes: string } | { disabled_at: Date },
  ): Promise<UserRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await runOnPostgres('user', () => db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst());
    // Evicted after the write: a lookup racing it may cache the old row for one TTL at most, never longer.
    cache?.delete(id);
    return row === undefined ? undefined : toRecord(row);
  }

  return {
    async create(user) {
      const record: UserRecord = Object.freeze({ ...user, id: randomUUID(), createdAt: now() });
      try {
        await runOnPostgres('user', () =>
          db
            .insertInto('users')
            .values({ id: record.id, email: record.email, name: record.name, role: record.role, password_hash: record.passwordHash, created_at: record.createdAt })
            .execute(),
        );
      } catch (error) {
        if (sqlState(error) === '23505') throw new EmailTakenError();
        throw error;
      }
      return record;
    },

    async findById(id) {
      const cached = cache?.get(id);
      if (cached !== undefined) return cached;
      if (!isUuid(id)) return undefined;
      const row = await runOnPostgres('user', () => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst());
      if (row === undefined) return undefined;
      const record = toRecord(row);
      cache?.set(id, record);
      return record;
    },

    async findByEmail(email) {
      const row = await runOnPostgres('user', () =>
        db
          .selectFrom('users')
          .selectAll()
          .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
          .executeTakeFirst(),
      );
      return row === undefined ? undefined : toRecord(row);
    },

    async list(page): Promise<Page<UserRecord>> {
      const after = page.cursor === undefined ? undefined : decodeSequenceCursor(page.cursor);
      const rows = await runOnPostgres('user', () => {
        let query = db.selectFrom('users').selectAll().orderBy('position', 'asc').limit(page.limit + 1);
        if (after !== undefined) query = query.where('position', '>', String(after));
        return query.execute();
      });
      return pageOfRows(rows, page.limit, toRecord);
    },

    updateName: (id, name) => update(id, { name }),
    setRole: (id, role) => update(id, { role }),
    // One jsonb value holding the whole set: replaced in one UPDATE, never half old and half new.
    setAttributes: (id, attributes: UserAttributes) => update(id, { attributes: JSON.stringify(userAttributesSchema.parse(attributes)) }),

    // Once: a second disable keeps the first time (coalesce), in the one UPDATE.
    async disable(id) {
      if (!isUuid(id)) return undefined;
      const row = await runOnPostgres('user', () =>
        db
          .updateTable('users')
          .set((eb) => ({ disabled_at: eb.fn.coalesce('disabled_at', eb.val(now())) }))
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst(),
      );
      cache?.delete(id);
      return row === undefined ? undefined : toRecord(row);
    },
  };
}

function toRecord(row: Selectable<UsersTable>): UserRecord {
  const record: UserRecord = {
    id: row.id,
    email: row.email,
    name: row.name,
    role: roleSchema.parse(row.role),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
  // Absent stays absent (not `attributes: undefined`), as on the memory and Redis stores; pg parses jsonb.
  return Object.freeze({
    ...record,
    ...(row.attributes === null ? {} : { attributes: Object.freeze(userAttributesSchema.parse(row.attributes)) }),
    ...(row.disabled_at === null ? {} : { disabledAt: row.disabled_at }),
  });
}

/** Ids are UUIDs: anything else cannot name a row, and would be a type error in PostgreSQL rather than a miss. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

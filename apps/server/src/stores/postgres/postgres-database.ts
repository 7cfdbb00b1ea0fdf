import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '../../config.js';
import { createCacheInvalidationChannel, type CacheInvalidationChannel } from './cache-invalidation-channel.js';
import type { GatehouseDatabase } from './postgres-schema.js';
import { isPostgresUnavailable } from './postgres-unavailable.js';

export type PostgresDatabaseOptions = Pick<DatabaseConfig, 'url' | 'timeoutMs' | 'poolSize'> & { readonly logger: Logger };

/** The query layer and the pool under it; close() ends both. */
export interface PostgresDatabase {
  readonly db: Kysely<GatehouseDatabase>;
  /** Lookup caches whose changes reach every process on this database (cache-invalidation-channel.ts). */
  readonly invalidation: CacheInvalidationChannel;
  /** Where the server connects, without a password: for messages. */
  readonly address: string;
  /** Work that must reach the database even if the server is closing (audit appends): close() waits for it. */
  track<T>(work: Promise<T>): Promise<T>;
  /** One trivial query: resolves when PostgreSQL answers (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One pg pool behind Kysely, bounded in time everywhere a request can wait:
 * - connecting and waiting for a free pool slot: connectionTimeoutMillis;
 * - a statement the server runs too long (or waits on a lock): statement_timeout, cancelled by PostgreSQL;
 * - a server that stops answering on an open socket: query_timeout, a little later, on the client side.
 * A connection whose query failed that way is destroyed rather than handed to the next request (it may
 * still have the stuck query on it). When PostgreSQL returns, new connections simply succeed: no restart.
 */
export function createPostgresDatabase(options: PostgresDatabaseOptions): PostgresDatabase {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.timeoutMs,
    statement_timeout: options.timeoutMs,
    query_timeout: options.timeoutMs + 250,
    idle_in_transaction_session_timeout: options.timeoutMs * 5,
    idleTimeoutMillis: 30_000,
    // The pool never holds the process open; the server's close() ends it anyway.
    allowExitOnIdle: true,
    application_name: 'gatehouse',
  });
  let reportedDown = false;
  // An idle client losing its connection is reported here; without a listener it would crash the process.
  pool.on('error', (error) => {
    if (!reportedDown) options.logger.error({ reason: error.message }, 'postgres unavailable');
    reportedDown = true;
  });
  pool.on('connect', () => {
    if (reportedDown) options.logger.info('postgres available again');
    reportedDown = false;
  });
  const db = new Kysely<GatehouseDatabase>({ dialect: new PostgresDialect({ pool: discardingBrokenClients(pool) }) });
  const pending = new Set<Promise<unknown>>();
  function track<T>(work: Promise<T>): Promise<T> {
    pending.add(work);
    void work.then(
      () => pending.delete(work),
      () => pending.delete(work),
    );
    return work;
  }
  // Its notifications are tracked: a CLI that changes a role and exits still tells the running servers.
  const invalidation = createCacheInvalidationChannel({ url: options.url, db, logger: options.logger, connectTimeoutMs: options.timeoutMs, track });
  return {
    db,
    invalidation,
    address: redactedAddress(options.url),
    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    track,
    async close() {
      // Each statement is bounded by the timeouts above, so this wait is too.
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await invalidation.close();
      await db.destroy();
    },
  };
}

/** The pool as Kysely sees it, except that a client whose connection failed is destroyed on release. */
function discardingBrokenClients(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let broken = false;
      const wrapped = {
        async query(sql: string, parameters: readonly unknown[]) {
          try {
            return await client.query(sql, [...parameters]);
          } catch (error) {
            broken ||= isPostgresUnavailable(error);
            throw error;
          }
        },
        release(destroy?: boolean) {
          client.release(destroy === true || broken);
        },
      };
      // Only Kysely's (sql, parameters) form is offered: no store streams with a cursor.
      return wrapped as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

export function redactedAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}

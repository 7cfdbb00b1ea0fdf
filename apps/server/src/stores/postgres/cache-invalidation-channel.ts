import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLookupCache, type LookupCache, type LookupCacheOptions } from './lookup-cache.js';
import type { GatehouseDatabase } from './postgres-schema.js';

/** The PostgreSQL notification channel every Gatehouse process on a database listens on. */
export const CACHE_INVALIDATION_CHANNEL = 'gatehouse_cache_invalidation';

/** The listener's application_name, so an operator (or a drill) can find its connection in pg_stat_activity. */
export const CACHE_LISTENER_APPLICATION = 'gatehouse-cache-listener';

/**
 * Lookup caches shared in meaning by every process on one database: a change made through any of them
 * (a server, or the `gatehouse` CLI demoting a user) evicts the entry everywhere within a notification's
 * round trip, instead of standing for the cache's TTL in the other processes.
 *
 * - Through LISTEN/NOTIFY on one dedicated connection per process. A notification names the schema it
 *   came from (PostgreSQL's channels span a database, and deployments may share one by schema), the
 *   cache, and the key.
 * - Fails closed: while that connection is not listening (before it first is, and from the moment it
 *   drops until it listens again) the caches are emptied and believe nothing, so every lookup reads
 *   PostgreSQL, as a cache-less store would. A delete missed while deaf can therefore never leave a
 *   stale role or a revoked key standing.
 * - A notification that is lost although the connection stayed up cannot happen in PostgreSQL (delivery
 *   is guaranteed to listening sessions); a read racing a write can still cache the old row for one TTL.
 */
export interface CacheInvalidationChannel {
  /** A cache for `kind` (one per kind per process) whose delete reaches every listening process. */
  lookupCache<TValue>(kind: string, options: LookupCacheOptions): LookupCache<TValue>;
  /** Whether this process hears other processes' changes now (false: its caches are bypassed). */
  readonly listening: boolean;
  /** The listening connection's backend pid (pg_stat_activity), undefined while not connected. */
  readonly listenerPid: number | undefined;
  close(): Promise<void>;
}

export interface CacheInvalidationChannelOptions {
  readonly url: string;
  readonly db: Kysely<GatehouseDatabase>;
  readonly logger: Logger;
  /** How long to wait before listening again after the connection dropped. */
  readonly reconnectDelayMs?: number;
  readonly connectTimeoutMs?: number;
  /** Keeps the database open until a sent notification is through (PostgresDatabase.track). */
  readonly track?: <T>(work: Promise<T>) => Promise<T>;
}

export function createCacheInvalidationChannel(options: CacheInvalidationChannelOptions): CacheInvalidationChannel {
  const reconnectDelayMs = options.reconnectDelayMs ?? 1_000;
  const caches = new Map<string, LookupCache<unknown>>();
  let schema: string | undefined;
  let listener: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  function deaf(reason: string): void {
    if (listening) options.logger.warn({ reason }, 'postgres cache invalidation lost: caches bypassed until it is back');
    listening = false;
    for (const cache of caches.values()) cache.clear();
  }

  function scheduleListen(): void {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void listen();
    }, reconnectDelayMs);
    retry.unref();
  }

  async function listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: options.url,
      application_name: CACHE_LISTENER_APPLICATION,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      keepAlive: true,
    });
    listener = client;
    client.on('notification', (message) => {
      if (message.channel !== CACHE_INVALIDATION_CHANNEL || message.payload === undefined) return;
      const [from, kind, key] = message.payload.split('\n');
      if (from !== schema || kind === undefined || key === undefined) return;
      caches.get(kind)?.delete(key);
    });
    const lost = (reason: string) => {
      if (listener !== client) return;
      listener = undefined;
      deaf(reason);
      client.end().catch(() => undefined);
      scheduleListen();
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    try {
      await client.connect();
      const found = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
      schema = found.rows[0]?.schema;
      await client.query(`LISTEN ${CACHE_INVALIDATION_CHANNEL}`);
      if (closed || listener !== client) return void client.end().catch(() => undefined);
      // Anything cached before now was cached while deaf: it was not (caches refuse entries then), but
      // emptying again costs nothing and keeps the rule simple.
      for (const cache of caches.values()) cache.clear();
      listening = true;
      options.logger.info('postgres cache invalidation listening');
    } catch (error) {
      lost(error instanceof Error ? error.message : String(error));
    }
  }

  function publish(kind: string, key: string): void {
    // After the write committed (the store evicts after its statement), so a process that reads on
    // hearing this sees the new row. A failed NOTIFY leaves other processes on their TTL: logged.
    const sent = sql`SELECT pg_notify(${CACHE_INVALIDATION_CHANNEL}, current_schema() || ${`\n${kind}\n${key}`})`.execute(options.db);
    void (options.track?.(sent) ?? sent).catch((error: unknown) => {
      options.logger.warn({ kind, reason: error instanceof Error ? error.message : String(error) }, 'postgres cache invalidation not sent');
    });
  }

  void listen();

  return {
    lookupCache<TValue>(kind: string, cacheOptions: LookupCacheOptions): LookupCache<TValue> {
      if (kind.includes('\n')) throw new RangeError('a cache kind is one line');
      const local = createLookupCache<TValue>(cacheOptions);
      caches.set(kind, local as LookupCache<unknown>);
      return {
        get: (key) => (listening ? local.get(key) : undefined),
        set: (key, value) => {
          if (listening) local.set(key, value);
        },
        delete: (key) => {
          local.delete(key);
          publish(kind, key);
        },
        clear: () => local.clear(),
      };
    },
    get listening() {
      return listening;
    },
    get listenerPid() {
      return listening ? (listener as (pg.Client & { processID?: number }) | undefined)?.processID : undefined;
    },
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      const client = listener;
      listener = undefined;
      listening = false;
      await client?.end().catch(() => undefined);
    },
  };
}

import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Tells this process, as Redis writes it, that a key under some prefixes
 * changed anywhere (any process, any script, an expiry), so an answer read
 * from Redis can be held locally until then: the token store's revocation
 * markers (tokens/token-revocation.ts) and the user records
 * (redis-user-store.ts).
 *
 * It is Redis's own client-side-caching invalidation (CLIENT TRACKING in
 * broadcast mode, RESP2 redirect to `__redis__:invalidate`): Redis itself
 * announces every write to a key under the prefixes, so no writer has to
 * remember to publish, and a write by a script counts like any other.
 *
 * `generation` changes on every announcement and every time the feed goes
 * down or comes back. A value read at generation g holds only while the
 * feed is live and still at g. When the subscription drops, or stops
 * answering its heartbeat, `live` is false at once and every read asks
 * Redis again (fail closed) until the subscription is back. Listeners hear
 * each announced key, and `null` (forget everything) for a flush and for
 * every moment the feed goes down.
 */
export interface RedisInvalidationFeed {
  readonly live: boolean;
  readonly generation: number;
  /** Called with each key Redis announces as written, or null when every held value must go. */
  onInvalidated(listener: (key: string | null) => void): void;
  close(): Promise<void>;
}

export interface RedisInvalidationFeedOptions {
  /** The store's connection; the feed opens one more connection of its own from it. */
  readonly redis: Redis;
  /** The key prefixes whose writes are announced (the stores' own key names). */
  readonly prefixes: readonly string[];
  readonly logger: Logger;
  /** How often the subscription must answer a PING to count as live. */
  readonly heartbeatMs?: number;
  /** CLIENT SETNAME of the feed's connection, so an operator (or a test) can find it in CLIENT LIST. */
  readonly connectionName?: string;
}

const INVALIDATION_CHANNEL = '__redis__:invalidate';
const HEARTBEAT = 'gatehouse-invalidation-feed';

export function createRedisInvalidationFeed(options: RedisInvalidationFeedOptions): RedisInvalidationFeed {
  return new TrackingInvalidationFeed(options);
}

class TrackingInvalidationFeed implements RedisInvalidationFeed {
  #live = false;
  #generation = 0;
  #closed = false;
  #awaitingPong = false;
  /** One warning per outage, not one per reconnect attempt (a Redis without CLIENT TRACKING refuses every one). */
  #warned = false;
  readonly #connection: Redis;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #listeners: ((key: string | null) => void)[] = [];

  constructor(private readonly options: RedisInvalidationFeedOptions) {
    // Its own connection: a subscribed connection can run nothing else. It reconnects by itself (ioredis's retry
    // strategy) and is set up again each time, since Redis forgets a connection's tracking when it closes.
    this.#connection = options.redis.duplicate({ autoResubscribe: false, enableOfflineQueue: false, lazyConnect: true, connectionName: options.connectionName ?? 'gatehouse-invalidation-feed' });
    // The buffer form: an announcement's payload is an array of key names (null for a flush), which the
    // string form would join with commas.
    this.#connection.on('messageBuffer', (channel: Buffer, keys: unknown) => {
      if (channel.toString() !== INVALIDATION_CHANNEL) return;
      this.#generation += 1;
      if (Array.isArray(keys)) for (const key of keys) this.#announce(String(key));
      else this.#announce(null);
    });
    this.#connection.on('ready', () => void this.#subscribe());
    this.#connection.on('close', () => this.#down());
    this.#connection.on('error', () => this.#down());
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs ?? 1_000);
    this.#heartbeat.unref();
    this.#connection.connect().catch(() => this.#down());
  }

  get live(): boolean {
    return this.#live;
  }

  get generation(): number {
    return this.#generation;
  }

  onInvalidated(listener: (key: string | null) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#down();
    await this.#connection.quit().catch(() => this.#connection.disconnect());
  }

  async #subscribe(): Promise<void> {
    const connection = this.#connection;
    try {
      const id = String(await connection.client('ID'));
      const prefixes = this.options.prefixes.flatMap((prefix) => ['PREFIX', prefix]);
      await connection.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', ...prefixes);
      await connection.subscribe(INVALIDATION_CHANNEL);
      if (this.#closed) return;
      // Anything written before this moment was read from Redis by whoever holds a verdict: a new generation.
      this.#generation += 1;
      this.#live = true;
      this.#awaitingPong = false;
      this.#warned = false;
    } catch (error) {
      if (!this.#warned) this.options.logger.warn({ reason: (error as Error).message }, 'Redis invalidation feed unavailable: every call asks Redis');
      this.#warned = true;
      this.#down();
      // The connection may still be up with tracking half set: drop it, so it reconnects and starts over.
      connection.disconnect(true);
    }
  }

  /** A PING every beat; one left unanswered means a connection that looks open but carries nothing. */
  #beat(): void {
    if (!this.#live) return;
    if (this.#awaitingPong) {
      this.options.logger.warn('Redis invalidation feed missed its heartbeat: every call asks Redis until it is back');
      this.#down();
      this.#connection.disconnect(true);
      return;
    }
    this.#awaitingPong = true;
    // With an argument, so a PING of this feed is told apart from a readiness probe's bare PING.
    this.#connection.ping(HEARTBEAT).then(
      () => {
        this.#awaitingPong = false;
      },
      () => this.#down(),
    );
  }

  #down(): void {
    if (this.#live) {
      this.#generation += 1;
      this.#announce(null);
    }
    this.#live = false;
  }

  #announce(key: string | null): void {
    for (const listener of this.#listeners) listener(key);
  }
}

import { connect, createServer, type Socket } from 'node:net';

/** How the proxy treats traffic from the server to Redis: as is, late, or held until it is released. */
export type RedisProxyMode = { readonly kind: 'pass' } | { readonly kind: 'delay'; readonly ms: number } | { readonly kind: 'stall' };

export interface RedisProxy {
  /** redis://127.0.0.1:<port> of the proxy, for REDIS_URL. */
  readonly url: string;
  setMode(mode: RedisProxyMode): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy in front of the real Redis, to make it slow or hang the way a saturated or
 * partitioned Redis does. A stall holds the commands rather than dropping them, and sends them on when
 * released, so replies stay in order: what the server sees is a Redis that answers far too late.
 */
export async function startRedisProxy(upstream = { host: '127.0.0.1', port: 6379 }): Promise<RedisProxy> {
  let mode: RedisProxyMode = { kind: 'pass' };
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();

  const forward = (send: () => void) => {
    if (mode.kind === 'pass') send();
    else if (mode.kind === 'delay') setTimeout(send, mode.ms);
    else held.push(send);
  };

  const server = createServer((client) => {
    const redis = connect(upstream);
    sockets.add(client).add(redis);
    // Commands wait on the way in; order is kept because every chunk waits the same way.
    client.on('data', (chunk) => forward(() => redis.writable && redis.write(chunk)));
    redis.on('data', (chunk) => client.writable && client.write(chunk));
    const end = () => {
      client.destroy();
      redis.destroy();
      sockets.delete(client);
      sockets.delete(redis);
    };
    client.on('close', end).on('error', end);
    redis.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the Redis proxy has no port');

  return {
    url: `redis://127.0.0.1:${address.port}`,
    setMode(next) {
      mode = next;
      if (next.kind !== 'stall') for (const send of held.splice(0)) send();
    },
    async close() {
      for (const send of held.splice(0)) send();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

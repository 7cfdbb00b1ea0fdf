import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * For tests that must stop Redis on purpose: a redis-server of their own, on
 * a free loopback port, in a directory they own. The shared 127.0.0.1:6379
 * is never stopped. Test-only.
 */
export interface RedisServerProcess {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: no shutdown save, no goodbye to clients, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (its AOF or nodes file included). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  readonly dir: string;
  readonly port?: number;
  /** Extra redis-server arguments, e.g. ['--appendonly', 'yes']. */
  readonly args?: readonly string[];
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerProcess> {
  const port = options.port ?? (await findFreePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', options.dir, '--daemonize', 'no', '--loglevel', 'warning', ...(options.args ?? [])];
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    child = started;
    await waitForPing(port, 10_000, started);
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  }

  // A test run that is itself killed must not leave the server behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    stop: kill,
  };
}

/** Resolves when the server answers PING; rejects when it exits or stays silent past `timeoutMs`. */
export async function waitForPing(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child !== undefined && child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // Not listening yet.
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free loopback port; with `busOffset`, one whose port + offset is free too (a cluster node's bus port). */
export async function findFreePort(busOffset?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = busOffset === undefined ? await listenOnce(0) : 20_000 + Math.floor(Math.random() * 30_000);
    if (busOffset === undefined) return port;
    if ((await isFree(port)) && (await isFree(port + busOffset))) return port;
  }
  throw new Error('no free port pair found');
}

async function isFree(port: number): Promise<boolean> {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

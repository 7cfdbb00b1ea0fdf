import { createServer } from 'node:net';
import { inject } from 'vitest';
import {
  createGatehouseServer,
  createLogger,
  parseConfig,
  parseSeed,
  type GatehouseServer,
  type SeedInput,
} from '@gatehouse/server';
import { createLogLineCollector } from '../../apps/server/test-support/log-line-collector.js';
import { defaultStoreVariant } from './default-store.js';
import { TEST_SEED } from './test-seed.js';

export interface RunningGatehouse {
  readonly url: string;
  readonly server: GatehouseServer;
  /** Every JSON line the server logged, for asserting what is (and is not) logged. */
  readonly logLines: () => string[];
  close(): Promise<void>;
}

export interface StartOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly seed?: SeedInput;
  readonly now?: () => number;
}

/**
 * A real Gatehouse on an ephemeral port, configured through the same
 * parseConfig as production, with bcrypt at its cheapest cost so suites stay fast.
 */
export async function startGatehouse(options: StartOptions = {}): Promise<RunningGatehouse> {
  // The port is free when probed but another test file, in a parallel worker, may take it before this server
  // listens: start again on a new one.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnFreePort(options);
    } catch (error) {
      if (attempt >= 5 || !isAddressInUse(error)) throw error;
    }
  }
}

/** EADDRINUSE as Node raises it, or as the server reports it (a StartupError naming GATEHOUSE_PORT, caused by it). */
function isAddressInUse(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
  }
  return false;
}

async function startOnFreePort(options: StartOptions): Promise<RunningGatehouse> {
  // A test that names its store keeps it; the others run on the project's default store (see default-store.ts).
  const store = options.env?.GATEHOUSE_STORE === undefined ? defaultStoreVariant('e2e') : undefined;
  try {
    return await startOnStore(options, (await store?.env()) ?? {}, async () => store?.cleanup());
  } catch (error) {
    await store?.cleanup();
    throw error;
  }
}

async function startOnStore(
  options: StartOptions,
  storeEnv: Record<string, string>,
  cleanupStore: () => Promise<void>,
): Promise<RunningGatehouse> {
  const config = parseConfig({
    GATEHOUSE_ENV: 'test',
    // A concrete free port rather than 0: the issuer (iss, OAuth metadata) is derived from it before listening.
    GATEHOUSE_PORT: String(await findFreePort()),
    GATEHOUSE_BCRYPT_COST: '4',
    GATEHOUSE_LOG_LEVEL: 'info',
    GATEHOUSE_LIMIT_PUBLIC: '100000/3600',
    GATEHOUSE_LIMIT_AUTHENTICATED: '100000/60',
    GATEHOUSE_METRICS_PORT: '0',
    // The e2e-stock-adapter project runs every suite again through tRPC's own Fastify adapter.
    GATEHOUSE_TRPC_FAST_PATH: inject('trpcFastPath') === false ? 'false' : 'true',
    ...storeEnv,
    ...options.env,
  });
  const { destination, lines } = createLogLineCollector();
  const logger = createLogger(config, { destination });
  const server = await createGatehouseServer(config, {
    logger,
    seed: parseSeed(options.seed ?? TEST_SEED),
    overrides: options.now === undefined ? {} : { now: options.now },
  });
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  const close = async (): Promise<void> => {
    await server.close();
    await cleanupStore();
  };
  return { url, server, logLines: () => [...lines], close };
}

/** Asks the OS for a free loopback port. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

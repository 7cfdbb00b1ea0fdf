import { createGatehouseServer, createLogger, parseConfig, parseSeed, type GatehouseServer } from '@gatehouse/server';
import { TEST_SEED } from './test-seed.js';

/** One Gatehouse state (stores, keys, limits) served twice: through the fast tRPC path and through tRPC's stock adapter. */
export interface GatehousePair {
  readonly fastUrl: string;
  readonly stockUrl: string;
  close(): Promise<void>;
}

export async function startGatehousePair(env: Readonly<Record<string, string>> = {}): Promise<GatehousePair> {
  const base = {
    GATEHOUSE_ENV: 'test',
    GATEHOUSE_PORT: '0',
    GATEHOUSE_BCRYPT_COST: '4',
    GATEHOUSE_LOG_LEVEL: 'silent',
    GATEHOUSE_LIMIT_PUBLIC: '100000/3600',
    GATEHOUSE_LIMIT_AUTHENTICATED: '100000/60',
    GATEHOUSE_METRICS_PORT: 'off',
    ...env,
  };
  const fastConfig = parseConfig({ ...base, GATEHOUSE_TRPC_FAST_PATH: 'true' });
  const stockConfig = parseConfig({ ...base, GATEHOUSE_TRPC_FAST_PATH: 'false' });
  const logger = createLogger(fastConfig);
  const fast: GatehouseServer = await createGatehouseServer(fastConfig, { logger, seed: parseSeed(TEST_SEED) });
  const stock = await createGatehouseServer(stockConfig, { logger, dependencies: { ...fast.deps, config: stockConfig } });
  const [fastUrl, stockUrl] = await Promise.all([fast.listen(), stock.listen()]);
  return {
    fastUrl,
    stockUrl,
    async close() {
      await stock.app.close();
      await fast.close();
    },
  };
}

// Gatehouse itself, as `pnpm start` runs it (compiled to dist/ by `pnpm --filter @gatehouse/server build`),
// configured only through its environment (GATEHOUSE_TRPC_FAST_PATH, GATEHOUSE_STORE, ...).
import { createGatehouseServer, createLogger, DEMO_SEED, parseConfig, parseSeed } from '@gatehouse/server/compiled';

const config = parseConfig({ ...process.env, GATEHOUSE_PORT: '0' });
const logger = createLogger(config);
const server = await createGatehouseServer(config, { logger, seed: parseSeed(DEMO_SEED) });
const url = await server.listen();
process.stdout.write(`ready ${new URL(url).port}\n`);
// A clean exit on SIGINT, so `node --cpu-prof` writes its profile (bench/src/profile-gatehouse.mjs).
process.once('SIGINT', () => process.exit(0));

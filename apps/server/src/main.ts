import process from 'node:process';
import { ConfigError, parseConfig, type Config } from './config.js';
import { createGatehouseServer, type GatehouseServer } from './http/create-server.js';
import { createLogger } from './http/logger.js';
import { DEMO_SEED } from './seed/demo-seed.js';
import { loadSeed, SeedError } from './seed/load-seed.js';
import { StartupError } from './startup-error.js';
import { SigningKeysError } from './tokens/signing-keys.js';

/** How long a clean stop may take before the process exits anyway (with 1). */
const SHUTDOWN_DEADLINE_MS = 10_000;

/** Boot only: parse the environment once, build the server, listen, and stop cleanly on signals. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config);
  let server: GatehouseServer | undefined;
  let stopping = false;
  // Installed before listening: a stop asked for the moment the port opens is still a clean stop.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // Ctrl-C reaches the server twice under pnpm (from the terminal and forwarded by pnpm): one stop, not an abort.
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // Open requests get SHUTDOWN_DEADLINE_MS to finish; a stuck one must not keep the process alive forever.
      setTimeout(() => {
        logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      // Asked to stop and stopped cleanly: success (0), so `pnpm start` reports no failure on Ctrl-C.
      (server?.close() ?? Promise.resolve()).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }

  const loaded = await loadSeed(config);
  server = await createGatehouseServer(config, { logger, seed: loaded?.seed });
  const url = await server.listen();
  if (loaded?.isDemo === true) printDemoBanner(url, config);
}

function printDemoBanner(url: string, config: Config): void {
  const users = DEMO_SEED.users.map((user) => `    ${user.role.padEnd(5)}  ${user.email}  /  ${user.password}`).join('\n');
  const clients = DEMO_SEED.clients
    .map((client) =>
      client.type === 'public'
        ? `    ${client.clientId.padEnd(8)} public, authorization code + PKCE, redirect ${client.redirectUris.join(' ')}, scopes ${client.scopes.join(' ')}`
        : `    ${client.clientId.padEnd(8)} confidential, secret ${client.secret}, ${client.grantTypes.join(' ')}, scopes ${client.scopes.join(' ')}`,
    )
    .join('\n');
  const store = config.store.kind === 'memory' ? 'in-memory store' : 'Redis store';
  process.stdout.write(
    `\nGatehouse demo is listening on ${url} (${store}, demo seed)\n\n  Demo users (development only):\n${users}\n\n` +
      `  Demo OAuth clients (development only):\n${clients}\n\n` +
      `  Log in:\n    curl -s ${url}/trpc/auth.login -H 'content-type: application/json' \\\n` +
      `      -d '{"email":"alice@gatehouse.dev","password":"alice-demo-password"}'\n\n` +
      `  Service token (client credentials):\n    curl -s -u billing:billing-demo-secret-change-me ${url}/oauth/token -d grant_type=client_credentials\n\n`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof SeedError || error instanceof SigningKeysError || error instanceof StartupError) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
  } else {
    process.stderr.write(`gatehouse: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});

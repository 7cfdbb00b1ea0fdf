import process from 'node:process';
import { ConfigError, parseConfig } from './config.js';
import { createGatehouseServer } from './http/create-server.js';
import { createLogger } from './http/logger.js';
import { DEMO_SEED } from './seed/demo-seed.js';
import { loadSeed, SeedError } from './seed/load-seed.js';
import { SigningKeysError } from './tokens/signing-keys.js';

/** Boot only: parse the environment once, build the server, listen, and stop cleanly on signals. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config);
  const loaded = await loadSeed(config);
  const server = await createGatehouseServer(config, { logger, seed: loaded?.seed });
  const url = await server.listen();

  if (loaded?.isDemo === true) printDemoCredentials(url);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

function printDemoCredentials(url: string): void {
  const users = DEMO_SEED.users.map((user) => `    ${user.role.padEnd(5)}  ${user.email}  /  ${user.password}`).join('\n');
  process.stdout.write(
    `\nGatehouse demo is listening on ${url} (in-memory store, demo seed)\n\n  Demo users (development only):\n${users}\n\n` +
      `  Log in:\n    curl -s ${url}/trpc/auth.login -H 'content-type: application/json' \\\n` +
      `      -d '{"email":"alice@gatehouse.dev","password":"alice-demo-password"}'\n\n`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof SeedError || error instanceof SigningKeysError) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
  } else {
    process.stderr.write(`gatehouse: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});

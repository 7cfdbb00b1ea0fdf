import {
  ConfigError,
  DEMO_SEED,
  SeedError,
  SigningKeysError,
  StartupError,
  createGatehouseServer,
  createLogger,
  loadSeed,
  parseConfig
} from "./chunk-CIWFY6BM.js";

// src/main.ts
import process from "node:process";
var SHUTDOWN_DEADLINE_MS = 1e4;
async function main() {
  const config = parseConfig(process.env);
  const logger = createLogger(config);
  let server;
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      setTimeout(() => {
        logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, "shutdown did not finish in time; exiting");
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      (server?.close() ?? Promise.resolve()).then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        }
      );
    });
  }
  const loaded = await loadSeed(config);
  server = await createGatehouseServer(config, { logger, seed: loaded?.seed });
  const url = await server.listen();
  if (loaded?.isDemo === true) printDemoBanner(url, config);
}
function printDemoBanner(url, config) {
  const users = DEMO_SEED.users.map((user) => `    ${user.role.padEnd(5)}  ${user.email}  /  ${user.password}`).join("\n");
  const clients = DEMO_SEED.clients.map(
    (client) => client.type === "public" ? `    ${client.clientId.padEnd(8)} public, authorization code + PKCE, redirect ${client.redirectUris.join(" ")}, scopes ${client.scopes.join(" ")}` : `    ${client.clientId.padEnd(8)} confidential, secret ${client.secret}, ${client.grantTypes.join(" ")}, scopes ${client.scopes.join(" ")}`
  ).join("\n");
  const store = config.store.kind === "memory" ? "in-memory store" : "Redis store";
  process.stdout.write(
    `
Gatehouse demo is listening on ${url} (${store}, demo seed)

  Demo users (development only):
${users}

  Demo OAuth clients (development only):
${clients}

  Log in:
    curl -s ${url}/trpc/auth.login -H 'content-type: application/json' \\
      -d '{"email":"alice@gatehouse.dev","password":"alice-demo-password"}'

  Service token (client credentials):
    curl -s -u billing:billing-demo-secret-change-me ${url}/oauth/token -d grant_type=client_credentials

`
  );
}
main().catch((error) => {
  if (error instanceof ConfigError || error instanceof SeedError || error instanceof SigningKeysError || error instanceof StartupError) {
    process.stderr.write(`gatehouse: ${error.message}
`);
  } else {
    process.stderr.write(`gatehouse: failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}
`);
  }
  process.exit(1);
});
//# sourceMappingURL=main.js.map

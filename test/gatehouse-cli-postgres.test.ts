import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure, login } from './support/http.js';
import { runCli, type CliResult } from './support/run-cli.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { postgresVariant, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

// The CLI on GATEHOUSE_STORE=postgres: records in PostgreSQL (a private schema), hot state in Redis, shared
// with a running server, as on Redis (gatehouse-cli.test.ts, which covers every command there).

/** A server start and several CLI processes on a loaded two-core host. */
const CLI_TEST_TIMEOUT_MS = 120_000;

let store: StoreVariant;
let env: Record<string, string>;
let gatehouse: RunningGatehouse;

beforeAll(async () => {
  store = postgresVariant('gatehouse-cli-postgres');
  env = { ...(await store.env()), GATEHOUSE_BCRYPT_COST: '4' };
  gatehouse = await startGatehouse({ env: await store.env() });
});
afterAll(async () => {
  await gatehouse?.close();
  await store?.cleanup();
});

const cli = (args: readonly string[], input?: string): Promise<CliResult> => runCli(args, { env, ...(input === undefined ? {} : { input }) });

describe('gatehouse on the postgres store', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('creates a user and a client the running server accepts, disables the user, and audits it in the chain the server keeps', async () => {
    const email = 'pg-ops@test.gatehouse';
    const password = 'a passphrase typed into postgres';
    const created = await cli(['users', 'create', '--email', email, '--name', 'Postgres Ops'], `${password}\n`);
    expect(created.code).toBe(0);
    const session = await login(gatehouse.url, { email, password });
    expect(session.user.id).toBe(created.stdout.trim());

    const client = await cli(['clients', 'create', 'pg-reports', '--type', 'confidential', '--scope', 'orders:read']);
    expect(client.code).toBe(0);
    const issued = await fetch(`${gatehouse.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`pg-reports:${client.stdout.trim()}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(issued.status).toBe(200);
    // The seed's clients were registered in PostgreSQL when the server started.
    const taken = await cli(['clients', 'create', 'billing', '--type', 'confidential', '--scope', 'orders:read']);
    expect(taken.code).toBe(1);

    const key = await cli(['apikeys', 'create', '--user', TEST_USERS.bob.email, '--name', 'pg key', '--scope', 'orders:read']);
    expect(key.code).toBe(0);
    expect((await callProcedure(gatehouse.url, 'orders.list', { headers: { 'x-api-key': key.stdout.trim() } })).status).toBe(200);

    expect((await cli(['users', 'disable', email])).code).toBe(0);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) })).status).toBe(401);

    const [verified, exported] = await Promise.all([cli(['audit', 'verify', '--json']), cli(['audit', 'export'])]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ intact: true, firstBreak: null });
    const records = exported.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; principal: string | null });
    const byCli = records.filter((record) => record.principal?.startsWith('cli:') === true).map((record) => record.type);
    expect(byCli).toEqual(['user.created', 'client.created', 'apikey.created', 'user.disabled', 'token.revoked']);
    // The server's own records are in the same chain: the new user's sign-in, for one.
    expect(records).toContainEqual(expect.objectContaining({ type: 'login.succeeded', principal: `user:${session.user.id}` }));
  });
});

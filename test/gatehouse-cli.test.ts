import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { bearer, callProcedure, login } from './support/http.js';
import { redisEnv, TEST_AUDIT_KEY } from './support/redis-env.js';
import { runCli, type CliResult } from './support/run-cli.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

// `pnpm gatehouse`, run as its own process against a real Redis namespace that a running server shares: each
// change is one the server acts on at once, and each is in the audit log as cli:<os user>.

/** Each test runs several CLI processes; on a loaded two-core host one can take seconds. */
const CLI_TEST_TIMEOUT_MS = 90_000;

let namespace: RedisTestNamespace;
let gatehouse: RunningGatehouse;
/** The CLI's environment: the server's store and audit key, nothing else. */
let env: Record<string, string>;

beforeAll(async () => {
  namespace = await createRedisTestNamespace('gatehouse-cli');
  env = { ...redisEnv(namespace), GATEHOUSE_BCRYPT_COST: '4' };
  gatehouse = await startGatehouse({
    env: { ...redisEnv(namespace), GATEHOUSE_LOGIN_LIMIT_EMAIL: '3/3600/900' },
  });
});
afterAll(async () => {
  await gatehouse?.close();
  await namespace?.cleanup();
});

const cli = (args: readonly string[], input?: string): Promise<CliResult> => runCli(args, { env, ...(input === undefined ? {} : { input }) });
const loginStatus = async (email: string, password: string) =>
  (await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email, password } })).status;

async function tokenFor(clientId: string, secret: string): Promise<Response> {
  return fetch(`${gatehouse.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
}

async function auditRecords(type: string): Promise<Array<{ type: string; principal: string; details: Record<string, unknown> }>> {
  const exported = await cli(['audit', 'export', '--type', type]);
  expect(exported.code).toBe(0);
  return exported.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('gatehouse --help and usage', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('pnpm gatehouse --help lists every command and the exit codes; every group has its own --help', async () => {
    const [root, ...groups] = await Promise.all([
      runCli(['--help'], { via: 'pnpm', env }),
      ...['keys', 'users', 'clients', 'apikeys', 'audit', 'config'].map((group) => cli([group, '--help'])),
      cli(['users', 'disable', '--help']),
    ]);
    expect(root.code).toBe(0);
    for (const command of ['keys', 'hash-password', 'config', 'users', 'clients', 'apikeys', 'audit']) expect(root.stdout).toContain(command);
    expect(root.stdout).toContain('Exit codes');
    // pnpm adds nothing of its own to what the command prints.
    expect(root.stdout.startsWith('Usage: gatehouse')).toBe(true);
    const [keys, users, clients, apikeys, audit, config, disable] = groups as [CliResult, CliResult, CliResult, CliResult, CliResult, CliResult, CliResult];
    for (const group of groups) expect(group.code).toBe(0);
    expect(keys.stdout).toMatch(/generate[\s\S]*rotate[\s\S]*retire/);
    expect(users.stdout).toMatch(/create[\s\S]*set-role[\s\S]*unlock[\s\S]*disable/);
    expect(clients.stdout).toMatch(/create[\s\S]*rotate-secret[\s\S]*disable/);
    expect(apikeys.stdout).toMatch(/create[\s\S]*list[\s\S]*revoke/);
    expect(audit.stdout).toMatch(/verify[\s\S]*export/);
    expect(config.stdout).toContain('print');
    expect(disable.stdout).toContain('Usage: gatehouse users disable [options] <user>');
  });

  // Every command's --help, found by walking the command tree, is apps/cli/src/create-program.test.ts (in process).

  it('answers a usage error with exit 2 and a pointer to --help, and a memory store with exit 3 and why', async () => {
    const [unknown, missing, badRole, memory] = await Promise.all([
      cli(['users', 'frobnicate']),
      cli(['users', 'disable']),
      cli(['users', 'set-role', 'someone@example.com', 'superuser']),
      runCli(['users', 'disable', 'someone@example.com'], { env: { GATEHOUSE_STORE: 'memory' } }),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--help');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'user'");
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('user, admin');
    expect(memory.code).toBe(3);
    expect(memory.stderr).toContain('cannot reach');
    expect(memory.stderr).toContain('GATEHOUSE_STORE=redis');
  });
});

describe('gatehouse hash-password and config print', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('hashes a password read on stdin at the asked cost, and refuses one the registration policy refuses', async () => {
    const [hashed, weak] = await Promise.all([cli(['hash-password', '--cost', '5'], 'a long and unusual passphrase\n'), cli(['hash-password'], 'password123')]);
    expect(hashed.code).toBe(0);
    const hash = hashed.stdout.trim();
    expect(hash).toMatch(/^\$2[aby]\$05\$/);
    expect(await bcrypt.compare('a long and unusual passphrase', hash)).toBe(true);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('password refused');
  });

  it('prints the effective configuration with each value’s source, secrets redacted; a bad value exits 3 quoting it', async () => {
    const printEnv = { ...env, REDIS_URL: 'redis://ops:hunter2-secret@127.0.0.1:6379', GATEHOUSE_PORT: '4100' };
    const [printed, table, bad] = await Promise.all([
      runCli(['config', 'print', '--json'], { env: printEnv }),
      runCli(['config', 'print'], { env: printEnv }),
      runCli(['config', 'print'], { env: { GATEHOUSE_PORT: 'abc' } }),
    ]);
    expect(printed.code).toBe(0);
    const rows = JSON.parse(printed.stdout) as Array<{ name: string; value: string | null; source: string }>;
    const row = (name: string) => rows.find((entry) => entry.name === name);
    expect(row('GATEHOUSE_PORT')).toEqual({ name: 'GATEHOUSE_PORT', value: '4100', source: 'env' });
    expect(row('GATEHOUSE_ACCESS_TOKEN_TTL')).toEqual({ name: 'GATEHOUSE_ACCESS_TOKEN_TTL', value: '900', source: 'default' });
    expect(row('GATEHOUSE_LIMIT_PUBLIC')).toEqual({ name: 'GATEHOUSE_LIMIT_PUBLIC', value: '100/3600', source: 'default' });
    expect(row('GATEHOUSE_ISSUER')).toEqual({ name: 'GATEHOUSE_ISSUER', value: 'http://127.0.0.1:4100', source: 'derived' });
    expect(row('GATEHOUSE_AUDIT_HMAC_KEY')).toEqual({ name: 'GATEHOUSE_AUDIT_HMAC_KEY', value: '<redacted>', source: 'env' });
    expect(row('GATEHOUSE_SEED_FILE')?.source).toBe('unset');
    expect(printed.stdout).not.toContain(TEST_AUDIT_KEY);
    expect(printed.stdout).not.toContain('hunter2-secret');
    // The table a person reads: name, value, source on each line, the same redactions.
    expect(table.code).toBe(0);
    const tableRow = (name: string) => table.stdout.split('\n').find((line) => line.startsWith(`${name} `))?.trim().split(/\s{2,}/);
    expect(tableRow('GATEHOUSE_PORT')).toEqual(['GATEHOUSE_PORT', '4100', 'env']);
    expect(tableRow('GATEHOUSE_ISSUER')).toEqual(['GATEHOUSE_ISSUER', 'http://127.0.0.1:4100', 'derived']);
    expect(tableRow('GATEHOUSE_AUDIT_HMAC_KEY')).toEqual(['GATEHOUSE_AUDIT_HMAC_KEY', '<redacted>', 'env']);
    expect(tableRow('REDIS_URL')).toEqual(['REDIS_URL', 'redis://ops:<redacted>@127.0.0.1:6379', 'env']);
    expect(tableRow('GATEHOUSE_SEED_FILE')).toEqual(['GATEHOUSE_SEED_FILE', '(unset)', 'unset']);
    expect(table.stdout).not.toContain(TEST_AUDIT_KEY);
    expect(table.stdout).not.toContain('hunter2-secret');
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('GATEHOUSE_PORT');
    expect(bad.stderr).toContain('"abc"');
  });
});

describe('gatehouse users', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('creates a user the server lets in, changes the role, unlocks a locked email and disables the account for good', async () => {
    const email = 'ops-created@test.gatehouse';
    const password = 'an operator chose this passphrase';
    const created = await cli(['users', 'create', '--email', email, '--name', 'Created By Ops'], `${password}\n`);
    expect(created.code).toBe(0);
    const userId = created.stdout.trim();
    const session = await login(gatehouse.url, { email, password });
    expect(session.user.id).toBe(userId);
    expect((await cli(['users', 'create', '--email', email, '--name', 'Again'], `${password}\n`)).code).toBe(1);

    const promoted = await cli(['users', 'set-role', email, 'admin']);
    expect(promoted.code).toBe(0);
    // The role change ends the user's sessions: the old token carried the old role's scopes.
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) })).status).toBe(401);
    const admin = await login(gatehouse.url, { email, password });
    expect((await callProcedure(gatehouse.url, 'admin.users.list', { headers: bearer(admin.accessToken) })).status).toBe(200);

    // GATEHOUSE_LOGIN_LIMIT_EMAIL is 3 failures: the fourth attempt is blocked even with the right password.
    for (let attempt = 0; attempt < 3; attempt += 1) expect(await loginStatus(email, 'not the password at all')).toBe(401);
    expect(await loginStatus(email, password)).toBe(429);
    const unlocked = await cli(['users', 'unlock', email]);
    expect(unlocked.code).toBe(0);
    expect(await loginStatus(email, password)).toBe(200);

    const keyOfUser = await cli(['apikeys', 'create', '--user', email, '--name', 'before disable', '--scope', 'users:read']);
    expect(keyOfUser.code).toBe(0);
    const live = await login(gatehouse.url, { email, password });
    const disabled = await cli(['users', 'disable', userId]);
    expect(disabled.code).toBe(0);
    expect(await loginStatus(email, password)).toBe(401);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(live.accessToken) })).status).toBe(401);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: { 'x-api-key': keyOfUser.stdout.trim() } })).status).toBe(401);
    expect((await cli(['users', 'disable', email])).code).toBe(0);
    expect((await cli(['users', 'disable', 'nobody@test.gatehouse'])).code).toBe(1);

    const [createdRecords, disabledRecords, unlockedRecords, roleRecords] = await Promise.all([
      auditRecords('user.created'),
      auditRecords('user.disabled'),
      auditRecords('user.unlocked'),
      auditRecords('user.role_changed'),
    ]);
    expect(roleRecords).toEqual([expect.objectContaining({ principal: expect.stringMatching(/^cli:/), details: expect.objectContaining({ userId, from: 'user', to: 'admin' }) })]);
    expect(createdRecords).toEqual([expect.objectContaining({ principal: expect.stringMatching(/^cli:/), details: expect.objectContaining({ userId, role: 'user' }) })]);
    // Disabling twice changed the record once.
    expect(disabledRecords).toEqual([expect.objectContaining({ details: expect.objectContaining({ userId }) })]);
    expect(unlockedRecords).toHaveLength(1);
  });

  it('refuses a user whose password the registration policy refuses, and creates nothing', async () => {
    const refused = await cli(['users', 'create', '--email', 'weak@test.gatehouse', '--name', 'Weak'], 'password123');
    expect(refused.code).toBe(1);
    expect(await loginStatus('weak@test.gatehouse', 'password123')).toBe(401);
  });
});

describe('gatehouse clients', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('registers a client the running server accepts at once, rotates its secret and disables it with its tokens', async () => {
    const created = await cli(['clients', 'create', 'reports', '--type', 'confidential', '--scope', 'orders:read']);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    const first = await tokenFor('reports', secret);
    expect(first.status).toBe(200);
    const { access_token: serviceToken } = (await first.json()) as { access_token: string };
    expect((await callProcedure(gatehouse.url, 'orders.list', { headers: bearer(serviceToken) })).status).toBe(200);

    const rotated = await cli(['clients', 'rotate-secret', 'reports']);
    expect(rotated.code).toBe(0);
    const newSecret = rotated.stdout.trim();
    expect((await tokenFor('reports', secret)).status).toBe(401);
    expect((await tokenFor('reports', newSecret)).status).toBe(200);

    expect((await cli(['clients', 'disable', 'reports'])).code).toBe(0);
    expect((await tokenFor('reports', newSecret)).status).toBe(401);
    // Tokens already issued are refused once the server's one-second presence check expires.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await callProcedure(gatehouse.url, 'orders.list', { headers: bearer(serviceToken) })).status).toBe(401);

    const records = await auditRecords('client.secret_rotated');
    expect(records).toEqual([expect.objectContaining({ principal: expect.stringMatching(/^cli:/), details: expect.objectContaining({ clientId: 'reports' }) })]);
    // The secret is printed once and never logged.
    expect((await cli(['audit', 'export'])).stdout).not.toContain(newSecret);
  });

  it('registers a public client (no secret printed) whose authorize page the server shows at once; it has no secret to rotate', async () => {
    const redirectUri = 'http://127.0.0.1:5199/cb';
    const created = await cli(['clients', 'create', 'kiosk', '--type', 'public', '--scope', 'orders:read', '--redirect-uri', redirectUri]);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('');
    expect(created.stderr).toContain('Registered public client kiosk');
    const authorizeUrl = `${gatehouse.url}/oauth/authorize?client_id=kiosk&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256&scope=orders:read`;
    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('kiosk is asking to:');

    const rotate = await cli(['clients', 'rotate-secret', 'kiosk']);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toContain('public client');
    const [disabled, again] = [await cli(['clients', 'disable', 'kiosk']), await cli(['clients', 'disable', 'kiosk'])];
    expect(disabled.code).toBe(0);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing changed');
    // A disabled client's sign-in is refused with an error page, no form to fill in.
    const refused = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).not.toContain('type="password"');
    const [createdRecords, disabledRecords] = await Promise.all([auditRecords('client.created'), auditRecords('client.disabled')]);
    expect(createdRecords).toEqual(expect.arrayContaining([expect.objectContaining({ principal: expect.stringMatching(/^cli:/), details: expect.objectContaining({ clientId: 'kiosk', clientType: 'public' }) })]));
    expect(disabledRecords.filter((record) => record.details['clientId'] === 'kiosk')).toHaveLength(1);
  });

  it('checks a client like a seed entry: a taken id, a public client without a redirect URI, an unknown client', async () => {
    const [taken, noRedirect, unknown] = await Promise.all([
      cli(['clients', 'create', 'billing', '--type', 'confidential', '--scope', 'orders:read']),
      cli(['clients', 'create', 'spa', '--type', 'public', '--scope', 'orders:read']),
      cli(['clients', 'rotate-secret', 'no-such-client']),
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('exists already');
    expect(noRedirect.code).toBe(2);
    expect(noRedirect.stderr).toContain('redirect');
    expect(unknown.code).toBe(1);
  });
});

describe('gatehouse apikeys and audit', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('issues a key that works on the API, lists it without its secret, revokes it', async () => {
    const created = await cli(['apikeys', 'create', '--user', TEST_USERS.bob.email, '--name', 'nightly export', '--scope', 'orders:read', '--expires-in-days', '30']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect((await callProcedure(gatehouse.url, 'orders.list', { headers: { 'x-api-key': key } })).status).toBe(200);
    const tooStrong = await cli(['apikeys', 'create', '--user', TEST_USERS.bob.email, '--name', 'admin', '--scope', 'admin']);
    expect(tooStrong.code).toBe(1);

    const listed = await cli(['apikeys', 'list', '--user', TEST_USERS.bob.email, '--json']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key);
    const [record] = JSON.parse(listed.stdout) as Array<{ id: string; name: string; revokedAt: string | null }>;
    expect(record).toMatchObject({ name: 'nightly export', revokedAt: null });
    const table = await cli(['apikeys', 'list', '--user', TEST_USERS.bob.email]);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toContain(key);
    expect(table.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${record!.id}\t\\S+\tnightly export\torders:read\texpires \\d{4}-`))]);

    expect((await cli(['apikeys', 'revoke', '--user', TEST_USERS.bob.email, record!.id])).code).toBe(0);
    expect((await callProcedure(gatehouse.url, 'orders.list', { headers: { 'x-api-key': key } })).status).toBe(401);
    // Revoking again is harmless; a key the user does not have is an error.
    expect((await cli(['apikeys', 'revoke', '--user', TEST_USERS.bob.email, record!.id])).code).toBe(0);
    expect((await cli(['apikeys', 'revoke', '--user', TEST_USERS.alice.email, record!.id])).code).toBe(1);
    const revoked = await auditRecords('apikey.revoked');
    expect(revoked).toEqual(expect.arrayContaining([expect.objectContaining({ principal: expect.stringMatching(/^cli:/), details: expect.objectContaining({ keyId: record!.id }) })]));
  });

  it('verifies the chain the server and the CLI write together, and exits 1 once a record is edited', async () => {
    // Records of this test's own from both writers, whichever tests ran before it: the server's logins, and a
    // key the CLI issues and revokes.
    await login(gatehouse.url, TEST_USERS.bob);
    await login(gatehouse.url, TEST_USERS.alice);
    const issued = await cli(['apikeys', 'create', '--user', TEST_USERS.bob.email, '--name', 'audit export', '--scope', 'orders:read']);
    expect(issued.code).toBe(0);
    const listed = await cli(['apikeys', 'list', '--user', TEST_USERS.bob.email]);
    const keyId = listed.stdout.split('\n').find((line) => line.includes('\taudit export\t'))?.split('\t')[0];
    expect((await cli(['apikeys', 'revoke', '--user', TEST_USERS.bob.email, keyId ?? ''])).code).toBe(0);
    const intact = await cli(['audit', 'verify', '--json']);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ intact: true, firstBreak: null });
    // Exports: to a file (owner-only, never over an existing one), by principal, from a time on.
    const folder = await mkdtemp(join(tmpdir(), 'gatehouse-cli-export-'));
    try {
      const file = join(folder, 'audit.jsonl');
      const written = await cli(['audit', 'export', '--output', file]);
      expect(written.code).toBe(0);
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { sequence: number; principal: string | null });
      expect(lines.length).toBeGreaterThan(3);
      expect(written.stderr).toContain(`Wrote ${lines.length} record(s) to ${file}`);
      // Oldest first, as the chain runs.
      expect(lines.map((line) => line.sequence)).toEqual([...lines.map((line) => line.sequence)].sort((a, b) => a - b));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const overwrite = await cli(['audit', 'export', '--output', file]);
      expect(overwrite.code).toBe(3);
      expect(overwrite.stderr).toContain('EEXIST');

      const actor = lines.find((line) => line.principal?.startsWith('cli:') === true)!.principal!;
      const byActor = await cli(['audit', 'export', '--principal', actor]);
      const actorLines = byActor.stdout.trim().split('\n').map((line) => JSON.parse(line) as { principal: string | null });
      expect(actorLines.length).toBe(lines.filter((line) => line.principal === actor).length);
      expect(actorLines.every((line) => line.principal === actor)).toBe(true);
      const [future, bad] = await Promise.all([cli(['audit', 'export', '--since', '2999-01-01T00:00:00Z']), cli(['audit', 'export', '--since', 'yesterday'])]);
      expect(future).toMatchObject({ code: 0, stdout: '' });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('ISO 8601');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }

    const noKey = await runCli(['audit', 'verify'], { env: { ...env, GATEHOUSE_AUDIT_HMAC_KEY: '' } });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain('GATEHOUSE_AUDIT_HMAC_KEY');

    // Someone with Redis access removes the newest record (a CLI change, say) to hide it.
    const stream = `${namespace.prefix}{audit}:log`;
    const [newest] = await namespace.redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    await namespace.redis.xdel(stream, newest![0]);
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN');
    expect(broken.stdout).toContain('head_mismatch');
  });
});

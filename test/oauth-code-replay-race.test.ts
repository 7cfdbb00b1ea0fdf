import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { authorizeWithPkce } from './support/authorize-form.js';
import { redisEnv } from './support/redis-env.js';
import { removeServerBuild, spawnGatehouse, type SpawnedGatehouse } from './support/spawn-gatehouse.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from './support/test-seed.js';

/**
 * Finding 4 of issue 14: a code replayed while its first redemption is still
 * issuing tokens must still end those tokens. Each trial races several
 * /oauth/token requests with one code (across two processes on Redis) and
 * then checks that nothing any of them returned still works.
 */
const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const BILLING = { id: 'billing', secret: 'billing-test-secret-0123456789' };
const TRIALS = 25;
const RACERS = 3;
const web: oauth.Client = { client_id: 'web', token_endpoint_auth_method: 'none' };
const options = { [oauth.allowInsecureRequests]: true };
const LIMITS = { GATEHOUSE_LIMIT_PUBLIC: '100000/3600', GATEHOUSE_LIMIT_AUTHENTICATED: '100000/60' };

interface Racer {
  readonly url: string;
}

async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const basic = `Basic ${Buffer.from(`${BILLING.id}:${BILLING.secret}`).toString('base64')}`;

/**
 * Races one code across the racers: every loser hears invalid_grant, at most one gets tokens (none
 * when a replay lands mid-issuance), and whatever was issued is dead afterwards.
 */
async function raceOneCode(authorizeOn: Racer, racers: readonly Racer[]): Promise<void> {
  const issuer = new URL(authorizeOn.url);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
  const { params, codeVerifier } = await authorizeWithPkce(as, web, { redirectUri: REDIRECT_URI, user: TEST_USERS.alice });
  const form = { grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: codeVerifier, client_id: 'web' };
  const answers = await Promise.all(
    Array.from({ length: RACERS }, async (_, index) => {
      const racer = racers[index % racers.length]!;
      return { racer, ...(await postForm(`${racer.url}/oauth/token`, form)) };
    }),
  );
  for (const answer of answers) if (answer.status !== 200) expect(answer.body['error']).toBe('invalid_grant');
  const issued = answers.filter((answer) => answer.status === 200);
  expect(issued.length).toBeLessThanOrEqual(1);
  for (const { racer, body } of issued) {
    const refreshed = await postForm(`${racer.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(body['refresh_token']), client_id: 'web' });
    expect(refreshed.body['error']).toBe('invalid_grant');
    const introspected = await postForm(`${racer.url}/oauth/introspect`, { token: String(body['access_token']) }, { authorization: basic });
    expect(introspected.body).toEqual({ active: false });
  }
}

describe('a code replayed during issuance, on the memory store', () => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { GATEHOUSE_STORE: 'memory' } });
  });
  afterAll(() => gatehouse.close());

  it('ends whatever the code issued, in every trial of concurrent /oauth/token requests', async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) await raceOneCode(gatehouse, [gatehouse]);
  });
});

describe('a code replayed during issuance, on two processes sharing one Redis', () => {
  let namespace: RedisTestNamespace;
  let seedDir: string;
  let first: RunningGatehouse;
  let second: SpawnedGatehouse;
  beforeAll(async () => {
    namespace = await createRedisTestNamespace('oauth-code-race');
    seedDir = await mkdtemp(join(tmpdir(), 'gatehouse-seed-'));
    const seedFile = join(seedDir, 'seed.json');
    await writeFile(seedFile, JSON.stringify(TEST_SEED));
    const env = { ...redisEnv(namespace), ...LIMITS };
    // The first seeds the shared user store; the second finds the same users there.
    first = await startGatehouse({ env });
    second = await spawnGatehouse({ ...env, GATEHOUSE_SEED_FILE: seedFile });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([first?.close(), second?.stop()]);
    await removeServerBuild();
    await namespace.cleanup();
    await rm(seedDir, { recursive: true, force: true });
  });

  it('ends whatever the code issued, in every trial, whichever process wins', async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) await raceOneCode(first, [first, second]);
  }, 120_000);
});

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { bearer, callProcedure, login } from './support/http.js';
import { redisEnv } from './support/redis-env.js';
import { runCli } from './support/run-cli.js';
import { startGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

// The keys file (GATEHOUSE_SIGNING_KEYS_FILE) through `pnpm gatehouse keys …`, and what a server started on it
// accepts: a rotation keeps the old key's tokens verifying until that key is retired.

let folder: string;
let keysFile: string;
/** The servers before and after each change share their users (and so the tokens' subjects) through Redis. */
let namespace: RedisTestNamespace;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gatehouse-cli-keys-'));
  keysFile = join(folder, 'keys.json');
  namespace = await createRedisTestNamespace('gatehouse-cli-keys');
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
  await namespace?.cleanup();
});

const keys = (...args: string[]) => runCli(['keys', ...args, '--file', keysFile]);

/** A server on the keys file as it is now: a restart, as an operator does after changing it. */
async function withServer<T>(run: (url: string) => Promise<T>): Promise<T> {
  // One issuer for every restart, as a deployment has: each test server listens on a new port.
  const server = await startGatehouse({ env: { ...redisEnv(namespace), GATEHOUSE_SIGNING_KEYS_FILE: keysFile, GATEHOUSE_ISSUER: 'http://gatehouse.test' } });
  try {
    return await run(server.url);
  } finally {
    await server.close();
  }
}

const me = (url: string, token: string) => callProcedure(url, 'users.me', { headers: bearer(token) });

/** Three server starts and eight CLI processes: on a loaded two-core host that can take minutes. */
const CLI_TEST_TIMEOUT_MS = 180_000;

describe('gatehouse keys', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('rotates without logging anyone out: old tokens verify after the rotation and stop only when their key is retired', async () => {
    const generated = await keys('generate');
    expect(generated.code).toBe(0);
    const firstKid = generated.stdout.trim();
    // Private keys: readable by their owner only.
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    const again = await keys('generate');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');

    const oldToken = await withServer(async (url) => (await login(url, TEST_USERS.alice)).accessToken);
    expect(decodeProtectedHeader(oldToken).kid).toBe(firstKid);

    const rotated = await keys('rotate');
    expect(rotated.code).toBe(0);
    const newKid = rotated.stdout.trim();
    expect(newKid).not.toBe(firstKid);
    expect((await keys('list')).stdout.trim().split('\n')).toEqual([`${newKid}\tES256\tsigns`, `${firstKid}\tES256\tverifies`]);

    const newToken = await withServer(async (url) => {
      expect((await me(url, oldToken)).status).toBe(200);
      const token = (await login(url, TEST_USERS.alice)).accessToken;
      expect(decodeProtectedHeader(token).kid).toBe(newKid);
      return token;
    });

    const retireActive = await keys('retire', newKid);
    expect(retireActive.code).toBe(1);
    expect(retireActive.stderr).toContain('signing key');
    const retireUnknown = await keys('retire', 'no-such-kid');
    expect(retireUnknown.code).toBe(1);
    expect((await keys('retire', firstKid)).code).toBe(0);
    expect(JSON.parse(await readFile(keysFile, 'utf8')).keys.map((key: { kid: string }) => key.kid)).toEqual([newKid]);

    await withServer(async (url) => {
      expect((await me(url, oldToken)).status).toBe(401);
      expect((await me(url, newToken)).status).toBe(200);
    });
  });

  it('rotates in two steps for several servers: rotate --publish-only adds a key that only verifies, keys activate makes it sign', async () => {
    const file = join(folder, 'two-step.json');
    const inFile = (...args: string[]) => runCli(['keys', ...args, '--file', file]);
    const first = (await inFile('generate')).stdout.trim();
    const published = await inFile('rotate', '--publish-only', '--alg', 'EdDSA');
    expect(published.code).toBe(0);
    const next = published.stdout.trim();
    expect(published.stderr).toContain(`${first} still signs`);
    // Every server can verify the new key's tokens before any server signs with it.
    expect((await inFile('list')).stdout.trim().split('\n')).toEqual([`${first}\tES256\tsigns`, `${next}\tEdDSA\tverifies`]);
    const activated = await inFile('activate', next);
    expect(activated.code).toBe(0);
    expect((await inFile('list')).stdout.trim().split('\n')).toEqual([`${next}\tEdDSA\tsigns`, `${first}\tES256\tverifies`]);
    const unknown = await inFile('activate', 'no-such-kid');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`its keys are: ${next}, ${first}`);
    // The file stays owner-only through every rewrite.
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('takes a key id that begins with "-" after --, and says so when it is given as an option', async () => {
    // Generated kids never begin with "-" (signing-keys.ts); a file written by hand or by another tool may hold one.
    const file = join(folder, 'dash-kid.json');
    const inFile = (...args: string[]) => runCli(['keys', ...args, '--file', file]);
    const first = (await inFile('generate')).stdout.trim();
    const published = (await inFile('rotate', '--publish-only')).stdout.trim();
    // "-Q…": a letter that is no short option of the CLI's ("-f…" would read as --file and its value).
    const dashed = `-Q${published.slice(2)}`;
    const stored = JSON.parse(await readFile(file, 'utf8')) as { keys: Array<{ kid: string }> };
    await writeFile(file, JSON.stringify({ keys: stored.keys.map((key) => (key.kid === published ? { ...key, kid: dashed } : key)) }), { mode: 0o600 });

    const asOption = await inFile('activate', dashed);
    expect(asOption.code).toBe(2);
    expect(asOption.stderr).toContain(`unknown option '${dashed}'`);
    expect(asOption.stderr).toContain('goes after --');
    const afterSeparator = await runCli(['keys', 'activate', '--file', file, '--', dashed]);
    expect(afterSeparator.code).toBe(0);
    expect((await inFile('list')).stdout.trim().split('\n')).toEqual([`${dashed}\tES256\tsigns`, `${first}\tES256\tverifies`]);
  });

  it('refuses a file the server would refuse, and says how to make one', async () => {
    const missing = await runCli(['keys', 'rotate', '--file', join(folder, 'absent.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('pnpm gatehouse keys generate');
    const unnamed = await runCli(['keys', 'list']);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('GATEHOUSE_SIGNING_KEYS_FILE');
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { login } from './support/http.js';
import { findFreePort } from './support/start-gatehouse.js';
import { removeServerBuild, runGatehouseToExit, spawnGatehouse } from './support/spawn-gatehouse.js';

/**
 * What a user sees running the server process: its exit codes, the one line
 * it prints when it cannot start, the banner, and a clean stop. Every process
 * runs the compiled server (`node dist/main.js`) on ports chosen free.
 */

const STACK_FRAME = /\n\s+at /;
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'gatehouse-process-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  await removeServerBuild();
});

/** Holds a loopback port, as another program would. */
async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return { port: address.port, server };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

describe('configuration errors', () => {
  it('GATEHOUSE_PORT=abc exits 1 with a line quoting "abc", not "NaN"', async () => {
    const run = await runGatehouseToExit({ GATEHOUSE_PORT: 'abc' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('GATEHOUSE_PORT: expected a number; got "abc"');
    expect(run.stderr).not.toContain('NaN');
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('every bad variable is named with the value it was given', async () => {
    const run = await runGatehouseToExit({ GATEHOUSE_STORE: 'mongo', GATEHOUSE_BODY_LIMIT_BYTES: '12', GATEHOUSE_METRICS_PORT: 'on' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('GATEHOUSE_STORE: Invalid option: expected one of "memory"|"redis"|"postgres"; got "mongo"');
    expect(run.stderr).toContain('GATEHOUSE_BODY_LIMIT_BYTES: Too small: expected number to be >=1024; got "12"');
    expect(run.stderr).toContain('GATEHOUSE_METRICS_PORT: expected a port (0-65535) or off; got "on"');
  });

  it('a secret is never echoed back: GATEHOUSE_AUDIT_HMAC_KEY reports only its length', async () => {
    const run = await runGatehouseToExit({ GATEHOUSE_AUDIT_HMAC_KEY: 'tooShortSecret' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('GATEHOUSE_AUDIT_HMAC_KEY: needs at least 32 bytes');
    expect(run.stderr).not.toContain('tooShortSecret');
  });
});

describe('paths in config resolve against the folder the command ran from (INIT_CWD under pnpm)', () => {
  it('a relative GATEHOUSE_SEED_FILE is read from that folder, not from apps/server', async () => {
    const seed = { users: [{ email: 'rel@example.com', password: 'relative-path-password', name: 'Rel', role: 'user' }] };
    await writeFile(join(workDir, 'seed.json'), JSON.stringify(seed));
    const server = await spawnGatehouse({ GATEHOUSE_SEED_FILE: 'seed.json' }, { initCwd: workDir });
    try {
      const session = await login(server.url, { email: 'rel@example.com', password: 'relative-path-password' });
      expect(session.accessToken).toMatch(/^ey/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('a missing seed, signing-keys or TLS file is reported with its resolved path, exit 1', async () => {
    const seed = await runGatehouseToExit({ GATEHOUSE_SEED_FILE: 'nowhere/seed.json' }, { initCwd: workDir });
    expect(seed.code).toBe(1);
    expect(seed.stderr).toContain(`GATEHOUSE_SEED_FILE: cannot read ${join(workDir, 'nowhere/seed.json')} (ENOENT)`);

    const keys = await runGatehouseToExit({ GATEHOUSE_SIGNING_KEYS_FILE: 'keys.json' }, { initCwd: workDir });
    expect(keys.code).toBe(1);
    expect(keys.stderr).toContain(`GATEHOUSE_SIGNING_KEYS_FILE: cannot read JSON from ${join(workDir, 'keys.json')}`);

    const tls = await runGatehouseToExit({ GATEHOUSE_TLS_CERT: 'cert.pem', GATEHOUSE_TLS_KEY: 'key.pem' }, { initCwd: workDir });
    expect(tls.code).toBe(1);
    expect(oneLine(tls.stderr)).toBe(`gatehouse: GATEHOUSE_TLS_CERT: cannot read ${join(workDir, 'cert.pem')} (ENOENT)`);
  });
});

describe('unreachable dependencies and busy ports', () => {
  it('Redis unreachable at start: one line naming its URL and REDIS_URL, exit 1, no stack trace', async () => {
    const closedPort = await findFreePort();
    const run = await runGatehouseToExit({ GATEHOUSE_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${closedPort}` }, { timeoutMs: 20_000 });
    expect(run.code).toBe(1);
    const line = oneLine(run.stderr);
    expect(line).toContain(`cannot reach Redis at redis://127.0.0.1:${closedPort}`);
    expect(line).toContain('ECONNREFUSED');
    expect(line).toContain('REDIS_URL');
    expect(run.stdout).not.toContain('"stack"');
  });

  it('a busy GATEHOUSE_METRICS_PORT: one line naming the variable and the way out, exit 1', async () => {
    const held = await occupyPort();
    try {
      const run = await runGatehouseToExit({ GATEHOUSE_METRICS_PORT: String(held.port) });
      expect(run.code).toBe(1);
      expect(oneLine(run.stderr)).toBe(
        `gatehouse: GATEHOUSE_METRICS_PORT: 127.0.0.1:${held.port} is already in use; set GATEHOUSE_METRICS_PORT to a free port (0 picks one), or off for no metrics listener`,
      );
    } finally {
      held.server.close();
    }
  });

  it('a busy GATEHOUSE_PORT: one line naming the variable, exit 1', async () => {
    const held = await occupyPort();
    try {
      const run = await runGatehouseToExit({ GATEHOUSE_PORT: String(held.port) });
      expect(run.code).toBe(1);
      expect(oneLine(run.stderr)).toBe(`gatehouse: GATEHOUSE_PORT: 127.0.0.1:${held.port} is already in use; set GATEHOUSE_PORT to a free port (0 picks one)`);
    } finally {
      held.server.close();
    }
  });
});

describe('metrics listener', () => {
  it('is off unless asked for outside production: two servers start side by side with no metrics port set', async () => {
    const [first, second] = await Promise.all([
      spawnGatehouse({ GATEHOUSE_ENV: 'development', GATEHOUSE_METRICS_PORT: '' }),
      spawnGatehouse({ GATEHOUSE_ENV: 'development', GATEHOUSE_METRICS_PORT: '' }),
    ]);
    try {
      expect(first.stdout()).not.toContain('metrics listening');
      expect(second.stdout()).not.toContain('metrics listening');
    } finally {
      expect(await Promise.all([first.stop(), second.stop()])).toEqual([0, 0]);
    }
  });

  it('serves GET /metrics on the port it is given, apart from the API', async () => {
    const server = await spawnGatehouse({ GATEHOUSE_METRICS_PORT: '0' });
    try {
      const metricsUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(server.stdout())?.[1];
      expect(metricsUrl).toBeDefined();
      const exposition = await (await fetch(metricsUrl ?? '')).text();
      expect(exposition).toContain('gatehouse_http_responses_total');
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

describe('development banner', () => {
  it('lists the demo users and OAuth clients, and its client-credentials line works', async () => {
    const server = await spawnGatehouse({ GATEHOUSE_ENV: 'development' });
    try {
      // The banner follows the "Server listening" log line that spawnGatehouse waits for.
      await vi.waitFor(() => expect(server.stdout()).toContain('Service token (client credentials)'));
      const banner = server.stdout();
      expect(banner).toContain('alice@gatehouse.dev  /  alice-demo-password');
      expect(banner).toMatch(/Demo OAuth clients[\s\S]*web\s+public, authorization code \+ PKCE, redirect http:\/\/127\.0\.0\.1:5173\/cb/);
      expect(banner).toMatch(/billing\s+confidential, secret billing-demo-secret-change-me, client_credentials, scopes orders:read/);
      const response = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('billing:billing-demo-secret-change-me').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { token_type: string }).token_type).toBe('Bearer');
    } finally {
      await server.stop();
    }
  });
});

describe('a clean stop', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s exits 0 with nothing on stderr', async (signal) => {
    const server = await spawnGatehouse({});
    expect(await server.stop(signal)).toBe(0);
    expect(server.stderr()).toBe('');
    expect(server.stdout()).toContain('"msg":"shutting down"');
  });

  // `pnpm start` builds into the one apps/server/dist: run by one project only, or the two projects' runs would
  // rebuild it under each other's running server. It does not depend on the HTTP path the other project varies.
  // SIGTERM to the whole group is what `kill -- -<pgid>`, `timeout` or systemd's default KillMode sends. The root
  // `start` script runs the server itself, not through a second pnpm (`pnpm --filter … start`): a nested pnpm gets
  // that SIGTERM twice (from the group, and forwarded by the outer pnpm), exits 143 on the second, and the outer
  // pnpm prints ELIFECYCLE although the server stopped cleanly.
  it.runIf(inject('trpcFastPath') !== false).each(['SIGINT', 'SIGTERM'] as const)('%s to the whole process group of `pnpm start` (Ctrl-C, or a stop) exits 0 and pnpm reports no failure', { timeout: 40_000, retry: 2 }, async (signal) => {
    const port = await findFreePort();
    const child = spawn('pnpm', ['start'], {
      cwd: repoRoot,
      env: { ...process.env, GATEHOUSE_ENV: 'development', GATEHOUSE_PORT: String(port), GATEHOUSE_BCRYPT_COST: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as a terminal gives a foreground job: Ctrl-C signals every process in it.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const deadline = Date.now() + 25_000;
    while (!output.includes(`listening on http://127.0.0.1:${port}`) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toContain(`listening on http://127.0.0.1:${port}`);
    process.kill(-(child.pid ?? 0), signal);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain('"msg":"shutting down"');
    expect(output).not.toContain('ERR_PNPM');
    expect(output).not.toContain('ELIFECYCLE');
    // Retried: under a fully loaded suite pnpm itself has (once in three runs) ended by the signal instead of
    // with its child's 0; alone it passes every time. The server's own clean stop is asserted above without pnpm.
  });
});

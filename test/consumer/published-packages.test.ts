import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatehouse, type RunningGatehouse } from '../support/start-gatehouse.js';
import { TEST_SEED, TEST_USERS } from '../support/test-seed.js';

const billing = TEST_SEED.clients.find((client) => client.clientId === 'billing')!;

// The packages as a user in another repository gets them: built, packed, installed from the tarballs with npm
// into a project outside the workspace, compiled by that project's own tsc with strict flags under both module
// resolutions, and run with plain node against a started server.

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixture/', import.meta.url));
const PACKAGES = ['contracts', 'client'] as const;

interface Outcome {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs a command, returning its outcome instead of throwing, so a failing compile is an assertion with its output. */
async function attempt(file: string, args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Outcome> {
  // pnpm's npm_config_* variables (when run under `pnpm test`) must not reconfigure the consumer's npm.
  const inherited = Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_config_'));
  const env = { ...Object.fromEntries(inherited), ...extraEnv };
  try {
    const { stdout, stderr } = await run(file, [...args], { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function mustRun(file: string, args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const outcome = await attempt(file, args, cwd, extraEnv);
  if (!outcome.ok) throw new Error(`${file} ${args.join(' ')} failed:\n${outcome.output}`);
  return outcome.output;
}

/** The exact versions the workspace pins in its catalog, so the consumer resolves what CI tested (and npm's cache hits). */
async function catalogVersions(): Promise<Record<string, string>> {
  const workspace = await readFile(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
  const versions: Record<string, string> = {};
  for (const match of workspace.matchAll(/^\s+"?([@\w/.-]+)"?:\s*([\d.]+)\s*$/gm)) versions[match[1]!] = match[2]!;
  return versions;
}

interface Packed {
  readonly tarball: string;
  readonly sizeBytes: number;
  readonly files: readonly string[];
  readonly manifest: Record<string, unknown>;
}

let consumerDir: string;
const packed: Record<string, Packed> = {};
let node16: Outcome;
let bundler: Outcome;
let gatehouse: RunningGatehouse;

beforeAll(async () => {
  consumerDir = await mkdtemp(join(tmpdir(), 'gatehouse-consumer-'));
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  for (const name of PACKAGES) {
    const dir = join(repoRoot, 'packages', name);
    await rm(join(dir, 'dist'), { recursive: true, force: true });
    await mustRun(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')], repoRoot);
    await mustRun('pnpm', ['pack', '--pack-destination', consumerDir], dir);
  }
  for (const file of await readdir(consumerDir)) {
    const name = PACKAGES.find((candidate) => file.startsWith(`gatehouse-${candidate}-`));
    if (name === undefined) continue;
    const tarball = join(consumerDir, file);
    const listing = await mustRun('tar', ['-tzf', tarball], consumerDir);
    const manifest = JSON.parse(await mustRun('tar', ['-xzOf', tarball, 'package/package.json'], consumerDir)) as Record<string, unknown>;
    packed[name] = {
      tarball: file,
      sizeBytes: (await stat(tarball)).size,
      files: listing.split('\n').filter((line) => line !== '').map((line) => line.replace(/^package\//, '')),
      manifest,
    };
  }

  const versions = await catalogVersions();
  for (const file of ['consumer.ts', 'browser.ts', 'tsconfig.node16.json', 'tsconfig.bundler.json']) {
    await copyFile(join(fixture, file), join(consumerDir, file));
  }
  const manifest = JSON.parse(await readFile(join(fixture, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(consumerDir, 'package.json'),
    JSON.stringify({
      ...manifest,
      dependencies: {
        '@gatehouse/contracts': `file:./${packed['contracts']!.tarball}`,
        '@gatehouse/client': `file:./${packed['client']!.tarball}`,
        '@trpc/client': versions['@trpc/client'],
        '@trpc/server': versions['@trpc/server'],
        zod: versions['zod'],
      },
      devDependencies: { typescript: versions['typescript'], '@types/node': versions['@types/node'] },
    }),
  );
  await mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], consumerDir);

  const consumerTsc = join(consumerDir, 'node_modules/typescript/bin/tsc');
  [node16, bundler, gatehouse] = await Promise.all([
    attempt(process.execPath, [consumerTsc, '-p', 'tsconfig.node16.json', '--extendedDiagnostics'], consumerDir),
    attempt(process.execPath, [consumerTsc, '-p', 'tsconfig.bundler.json', '--extendedDiagnostics'], consumerDir),
    startGatehouse(),
  ]);
  // Two builds, two packs, an npm install (from npm's cache after the first run) and two compiles.
}, 600_000);

afterAll(async () => {
  await gatehouse?.close();
  if (consumerDir !== undefined) await rm(consumerDir, { recursive: true, force: true });
});

/** `Files:` and `Total time:` of tsc --extendedDiagnostics. */
function diagnostics(output: string): { files: number; totalSeconds: number } {
  return {
    files: Number(/^Files:\s+(\d+)/m.exec(output)?.[1]),
    totalSeconds: Number(/^Total time:\s+([\d.]+)s/m.exec(output)?.[1]),
  };
}

describe('the packed packages', () => {
  it('carry built ESM and declarations only: no sources, tests or workspace tsconfig', () => {
    for (const name of PACKAGES) {
      const { files } = packed[name]!;
      expect(files).toContain('package.json');
      expect(files).toContain('dist/index.js');
      expect(files).toContain('dist/index.d.ts');
      expect(files.filter((file) => !file.startsWith('dist/') && file !== 'package.json')).toEqual([]);
      expect(files.filter((file) => /\.test\.|(^|\/)tsconfig|\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
    }
    expect(packed['client']!.files).toContain('dist/node.js');
  });

  it('export types and import conditions, are side-effect free, and take tRPC and zod as peers', () => {
    const client = packed['client']!.manifest;
    const contracts = packed['contracts']!.manifest;
    expect(client['exports']).toMatchObject({
      '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      './node': { types: './dist/node.d.ts', import: './dist/node.js' },
    });
    expect(contracts['exports']).toMatchObject({
      '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      './trpc': { types: './dist/trpc/index.d.ts', import: './dist/trpc/index.js' },
    });
    for (const manifest of [client, contracts]) {
      expect(manifest['sideEffects']).toBe(false);
      expect(manifest).not.toHaveProperty('private');
      expect(JSON.stringify(manifest)).not.toMatch(/workspace:|catalog:|@gatehouse\/server/);
    }
    expect(Object.keys(client['peerDependencies'] as object).sort()).toEqual(['@trpc/client', '@trpc/server', 'undici', 'zod']);
    expect(client['dependencies']).toEqual({ '@gatehouse/contracts': '^0.1.0' });
    expect(contracts).not.toHaveProperty('dependencies');
  });
});

describe('a strict consumer in another repository', () => {
  it('compiles under moduleResolution node16, without the server’s sources or types', async () => {
    expect(node16.output).not.toMatch(/error TS/);
    expect(node16.ok).toBe(true);
    const { files, totalSeconds } = diagnostics(node16.output);
    // 665 files when the client's types came from the server (Fastify, ioredis, pino included).
    expect(files).toBeGreaterThan(0);
    expect(files).toBeLessThan(400);
    expect(totalSeconds).toBeGreaterThan(0);
    const listed = await attempt(process.execPath, [join(consumerDir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.node16.json', '--listFilesOnly'], consumerDir);
    expect(listed.output).not.toMatch(/fastify|ioredis|pino|apps\/server|@gatehouse\/server/);
  });

  it('compiles under moduleResolution bundler', () => {
    expect(bundler.output).not.toMatch(/error TS/);
    expect(bundler.ok).toBe(true);
  });

  it('runs with plain node against a started server: typed results and errors, bound clients, a service client', async () => {
    const output = await mustRun(process.execPath, ['dist/consumer.js'], consumerDir, {
      GATEHOUSE_URL: gatehouse.url,
      GATEHOUSE_EMAIL: TEST_USERS.alice.email,
      GATEHOUSE_PASSWORD: TEST_USERS.alice.password,
      GATEHOUSE_CLIENT_ID: billing.clientId,
      GATEHOUSE_CLIENT_SECRET: billing.secret,
    });
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(result).toMatchObject({
      health: 'ok',
      me: TEST_USERS.alice.email,
      forbidden: { code: 'FORBIDDEN', missingScopes: ['admin'] },
      unauthorized: 'missing_credentials',
      noAny: true,
      readerPage: true,
      keyHolder: TEST_USERS.alice.email,
      keyScopes: ['users:read'],
      servicePage: true,
      missingOutcome: 'not-found',
      preflight: { preflight: true, missingScopes: ['admin'] },
    });
  });

  it('bundles the main entry for a browser with no Node built-in and no undici', async () => {
    const bundle = await build({
      entryPoints: [join(consumerDir, 'browser.ts')],
      absWorkingDir: consumerDir,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles.map((file) => file.text).join('\n');
    expect(bundle.errors).toEqual([]);
    expect(code).not.toMatch(/undici|node:/);
    expect(code).toContain('createGatehouseClient');
  });
});

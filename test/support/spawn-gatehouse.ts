import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const serverDir = fileURLToPath(new URL('../../apps/server/', import.meta.url));

export interface SpawnedGatehouse {
  readonly url: string;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (SIGTERM unless told) and resolves to the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** The folder the user "ran the command from", passed as INIT_CWD the way pnpm does; the process still runs in apps/server, as under pnpm. */
  readonly initCwd?: string;
  /** How long the process may take to listen (15 s unless told; several processes starting at once on a loaded host need more). */
  readonly listenTimeoutMs?: number;
}

/**
 * Defaults every spawned process gets: an ephemeral API port, and no metrics
 * listener (a fixed one, 9464, would make a test depend on that port being free).
 */
const SPAWN_DEFAULTS = {
  GATEHOUSE_ENV: 'test',
  GATEHOUSE_PORT: '0',
  GATEHOUSE_METRICS_PORT: 'off',
  GATEHOUSE_BCRYPT_COST: '4',
  GATEHOUSE_LOG_LEVEL: 'info',
};

function startProcess(build: string, env: Readonly<Record<string, string>>, options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, [`${serverDir}${build}/main.js`], {
    cwd: serverDir,
    env: {
      PATH: process.env.PATH ?? '',
      ...SPAWN_DEFAULTS,
      // The e2e-stock-adapter project runs every suite again through tRPC's own Fastify adapter, spawned processes included.
      GATEHOUSE_TRPC_FAST_PATH: inject('trpcFastPath') === false ? 'false' : 'true',
      ...(options.initCwd === undefined ? {} : { INIT_CWD: options.initCwd }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Gatehouse as its own OS process (`node dist/main.js`, exactly what
 * `pnpm start` runs, built first), on an ephemeral port. For proving that
 * state is shared through Redis and not through the test's memory, and that
 * the compiled server is the same server.
 */
export async function spawnGatehouse(env: Readonly<Record<string, string>>, options: SpawnOptions = {}): Promise<SpawnedGatehouse> {
  const build = await buildServer();
  const child = startProcess(build, env, options);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const listenTimeoutMs = options.listenTimeoutMs ?? 15_000;
    const timer = setTimeout(() => reject(new Error(`gatehouse process did not listen within ${listenTimeoutMs / 1000} s: ${stderr}`)), listenTimeoutMs);
    child.stdout?.on('data', () => {
      const match = /Server listening at (https?:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse process exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface FinishedGatehouse {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a Gatehouse process expected to refuse to start, and returns how it ended; killed after `timeoutMs`. */
export async function runGatehouseToExit(
  env: Readonly<Record<string, string>>,
  options: SpawnOptions & { readonly timeoutMs?: number } = {},
): Promise<FinishedGatehouse> {
  const build = await buildServer();
  const child = startProcess(build, env, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * `pnpm --filter @gatehouse/server build` (esbuild, well under a second), once per test file, into a folder
 * of its own under apps/server/.test-builds (test files run in parallel; each spawns from its own build).
 */
let built: Promise<string> | undefined;
function buildServer(): Promise<string> {
  const outdir = `.test-builds/${process.pid}-${Date.now().toString(36)}`;
  built ??= promisify(execFile)(process.execPath, ['scripts/build.mjs', '--outdir', outdir], { cwd: serverDir }).then(() => outdir);
  return built;
}

/** Removes this test file's build; call once its processes have stopped. */
export async function removeServerBuild(): Promise<void> {
  if (built === undefined) return;
  const outdir = await built;
  built = undefined;
  await rm(`${serverDir}${outdir}`, { recursive: true, force: true });
}

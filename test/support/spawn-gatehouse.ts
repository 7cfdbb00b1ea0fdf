import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const serverDir = fileURLToPath(new URL('../../apps/server/', import.meta.url));

export interface SpawnedGatehouse {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Gatehouse as its own OS process (`node dist/main.js`, exactly what
 * `pnpm start` runs, built first), on an ephemeral port. For proving that
 * state is shared through Redis and not through the test's memory, and that
 * the compiled server is the same server.
 */
export async function spawnGatehouse(env: Readonly<Record<string, string>>): Promise<SpawnedGatehouse> {
  const build = await buildServer();
  const child: ChildProcess = spawn(process.execPath, [`${build}/main.js`], {
    cwd: serverDir,
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_ENV: 'test', GATEHOUSE_PORT: '0', GATEHOUSE_BCRYPT_COST: '4', GATEHOUSE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`gatehouse process did not listen within 15 s: ${stderr}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(buffered);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse process exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
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

// `pnpm --filter @gatehouse/server build`: the server as plain JavaScript in dist/, what `pnpm start` runs.
// The workspace packages (TypeScript sources) are bundled in; npm dependencies stay imports of node_modules.
// Compiled rather than run under tsx: tsx's esbuild keeps every function's name with a defineProperty call
// each time a closure is created, which a protected call pays a few dozen times (README, Performance).
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
// --outdir: somewhere else under apps/server (so node_modules still resolve), e.g. one per test run.
const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const outdir = new URL(`${values.outdir.replace(/\/$/, '')}/`, root);
const manifest = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const external = Object.keys(manifest.dependencies)
  .filter((name) => !name.startsWith('@gatehouse/'))
  .flatMap((name) => [name, `${name}/*`]);

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: { main: 'src/main.ts', index: 'src/index.ts' },
  outdir: outdir.pathname,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
});
// The password worker is loaded by URL beside the code that starts it (auth/password-worker-pool.ts).
await mkdir(outdir, { recursive: true });
await copyFile(new URL('src/auth/bcrypt-worker.mjs', root), new URL('bcrypt-worker.mjs', outdir));

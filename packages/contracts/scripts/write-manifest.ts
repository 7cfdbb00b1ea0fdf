/**
 * `pnpm manifest`: writes the authorization manifest, the OpenAPI document
 * and README's procedure table from the contracts. `pnpm manifest --check`
 * writes nothing and exits 1 when a committed file is stale (for CI).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readManifestFiles } from './manifest-files.js';

const stale = readManifestFiles().filter(({ committed, rendered }) => committed !== rendered);
const names = stale.map(({ relativePath }) => relativePath).join(', ');

if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    process.stderr.write(`Not what the contracts produce: ${names}\nRun \`pnpm manifest\` and review the authorization diff before committing it.\n`);
    process.exitCode = 1;
  }
} else {
  for (const { absolutePath, rendered } of stale) {
    mkdirSync(dirname(absolutePath), { recursive: true });
    writeFileSync(absolutePath, rendered);
  }
  process.stdout.write(
    stale.length === 0
      ? 'The manifest, the OpenAPI document and the README table already match the contracts.\n'
      : `Wrote ${names}: review the authorization diff (git diff) before committing it.\n`,
  );
}

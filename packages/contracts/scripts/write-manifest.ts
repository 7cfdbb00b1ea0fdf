/**
 * `pnpm manifest`: writes the authorization manifest, the OpenAPI document
 * and README's procedure table from the contracts. `pnpm manifest --check`
 * writes nothing and exits 1 when a committed file is stale (for CI).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contracts } from '../src/contracts.js';
import { MANIFEST_ARTEFACT_PATHS, renderManifestArtefacts, type ManifestArtefact } from '../src/manifest/manifest-artefacts.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const checkOnly = process.argv.includes('--check');

function readText(relativePath: string): string | undefined {
  try {
    return readFileSync(join(repositoryRoot, relativePath), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const packageJson: unknown = JSON.parse(readText('packages/contracts/package.json') ?? '{}');
const version = typeof packageJson === 'object' && packageJson !== null && 'version' in packageJson ? String(packageJson.version) : '0.0.0';
const readme = readText(MANIFEST_ARTEFACT_PATHS.readme);
if (readme === undefined) throw new Error(`${MANIFEST_ARTEFACT_PATHS.readme} not found under ${repositoryRoot}`);

const rendered = renderManifestArtefacts(contracts, { version, readme });
const stale = (Object.keys(MANIFEST_ARTEFACT_PATHS) as ManifestArtefact[]).filter(
  (artefact) => readText(MANIFEST_ARTEFACT_PATHS[artefact]) !== rendered[artefact],
);

if (checkOnly) {
  if (stale.length > 0) {
    process.stderr.write(
      `Stale, not what the contracts produce: ${stale.map((artefact) => MANIFEST_ARTEFACT_PATHS[artefact]).join(', ')}\n` +
        'Run `pnpm manifest` and review the authorization diff before committing it.\n',
    );
    process.exitCode = 1;
  }
} else {
  for (const artefact of stale) {
    const target = join(repositoryRoot, MANIFEST_ARTEFACT_PATHS[artefact]);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, rendered[artefact]);
  }
  process.stdout.write(
    stale.length === 0
      ? 'Manifest, OpenAPI document and README table already match the contracts.\n'
      : `Wrote ${stale.map((artefact) => MANIFEST_ARTEFACT_PATHS[artefact]).join(', ')}: review the authorization diff (git diff).\n`,
  );
}

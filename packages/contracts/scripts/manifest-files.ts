import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contracts } from '../src/contracts.js';
import { MANIFEST_ARTEFACT_PATHS, renderManifestArtefacts, type ManifestArtefact } from '../src/manifest/manifest-artefacts.js';

/** The repository's root, two folders above this package. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One generated file: what is committed (undefined when missing) and what the contracts produce. */
export interface ManifestFile {
  readonly artefact: ManifestArtefact;
  readonly relativePath: string;
  readonly absolutePath: string;
  readonly committed: string | undefined;
  readonly rendered: string;
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Every file `pnpm manifest` owns, committed beside rendered. The generator
 * writes the ones that differ; the drift tests fail on them.
 */
export function readManifestFiles(root: string = REPOSITORY_ROOT): ManifestFile[] {
  const at = (relativePath: string) => join(root, relativePath);
  const packageJson: unknown = JSON.parse(readFileSync(at('packages/contracts/package.json'), 'utf8'));
  if (typeof packageJson !== 'object' || packageJson === null || !('version' in packageJson) || typeof packageJson.version !== 'string') {
    throw new Error('packages/contracts/package.json has no version');
  }
  const readme = readIfPresent(at(MANIFEST_ARTEFACT_PATHS.readme));
  if (readme === undefined) throw new Error(`${MANIFEST_ARTEFACT_PATHS.readme} not found under ${root}`);
  const rendered = renderManifestArtefacts(contracts, { version: packageJson.version, readme });
  return (Object.keys(MANIFEST_ARTEFACT_PATHS) as ManifestArtefact[]).map((artefact) => ({
    artefact,
    relativePath: MANIFEST_ARTEFACT_PATHS[artefact],
    absolutePath: at(MANIFEST_ARTEFACT_PATHS[artefact]),
    committed: readIfPresent(at(MANIFEST_ARTEFACT_PATHS[artefact])),
    rendered: rendered[artefact],
  }));
}

import type { ContractTree } from '../define-procedure.js';
import { buildAuthorizationManifest } from './authorization-manifest.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { renderProcedureTable, replaceProcedureTable } from './procedure-table.js';

/** The files `pnpm manifest` writes, relative to the repository root. */
export const MANIFEST_ARTEFACT_PATHS = {
  manifest: 'packages/contracts/manifest/authorization-manifest.json',
  openApi: 'packages/contracts/manifest/openapi.json',
  readme: 'README.md',
} as const;

/** One of the generated files. */
export type ManifestArtefact = keyof typeof MANIFEST_ARTEFACT_PATHS;

/** What the generator reads besides the contracts. */
export interface ManifestArtefactInputs {
  /** The contracts package's version, for the OpenAPI document's `info.version`. */
  readonly version: string;
  /** README.md as it is, whose procedure table is replaced. */
  readonly readme: string;
}

/**
 * The exact text of every generated file, so the generator and the drift
 * tests share one rendering: two-space JSON with a final newline, in the
 * builders' deterministic order.
 */
export function renderManifestArtefacts(tree: ContractTree, inputs: ManifestArtefactInputs): Record<ManifestArtefact, string> {
  const manifest = buildAuthorizationManifest(tree);
  return {
    manifest: toPrettyJson(manifest),
    openApi: toPrettyJson(buildOpenApiDocument(tree, { version: inputs.version })),
    readme: replaceProcedureTable(inputs.readme, renderProcedureTable(manifest)),
  };
}

function toPrettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

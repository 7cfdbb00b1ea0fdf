import { readFileSync } from 'node:fs';
import { contracts, listProcedures, MANIFEST_ARTEFACT_PATHS, type AuthorizationManifest } from '@gatehouse/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifestFiles, REPOSITORY_ROOT } from '../packages/contracts/scripts/manifest-files.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';

const committedManifest = JSON.parse(
  readFileSync(`${REPOSITORY_ROOT}${MANIFEST_ARTEFACT_PATHS.manifest}`, 'utf8'),
) as AuthorizationManifest;

describe('the committed authorization manifest', () => {
  it.each(readManifestFiles())('$relativePath is exactly what the contracts produce', ({ relativePath, committed, rendered }) => {
    // A change of who may call what must arrive as a reviewed diff of these files, never silently.
    expect(committed, `${relativePath} does not match the contracts: run \`pnpm manifest\` and review the auth diff`).toBe(rendered);
  });

  it('covers every procedure the contracts declare', () => {
    expect(committedManifest.procedures.map(({ path }) => path).sort()).toEqual(listProcedures(contracts).map(({ path }) => path).sort());
  });
});

describe('the server agrees with the manifest', () => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    gatehouse = await startGatehouse();
  });
  afterAll(() => gatehouse.close());

  const manifestScopes = () => committedManifest.scopes.map(({ name }) => name);

  it('advertises the manifest’s scopes as RFC 9728 scopes_supported', async () => {
    const response = await fetch(`${gatehouse.url}/.well-known/oauth-protected-resource`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as { scopes_supported: string[]; resource: string };
    expect(metadata.scopes_supported).toEqual(manifestScopes());
  });

  it('advertises the same scopes in its RFC 8414 authorization server metadata', async () => {
    const response = await fetch(`${gatehouse.url}/.well-known/oauth-authorization-server`);
    const metadata = (await response.json()) as { scopes_supported: string[] };
    expect(metadata.scopes_supported).toEqual(manifestScopes());
  });

  it('enforces, for every procedure, the rate-limit policy the manifest states', () => {
    for (const { path, rateLimit } of committedManifest.procedures) {
      const enforced = gatehouse.server.deps.rateLimits.policyForPath(path);
      if (rateLimit.type === 'none') {
        expect(enforced, path).toBeUndefined();
      } else if (rateLimit.type === 'default') {
        expect(enforced, path).toMatchObject({ name: rateLimit.policy, key: rateLimit.key });
      } else {
        expect(enforced, path).toEqual({
          name: rateLimit.policy,
          points: rateLimit.points,
          durationSeconds: rateLimit.durationSeconds,
          key: rateLimit.key,
          blockDurationSeconds: rateLimit.blockDurationSeconds,
          cost: rateLimit.cost,
        });
      }
    }
  });
});

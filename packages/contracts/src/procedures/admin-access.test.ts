import { describe, expect, expectTypeOf, it } from 'vitest';
import { contracts } from '../contracts.js';
import { buildAuthorizationManifest } from '../manifest/authorization-manifest.js';
import { ADMIN_ACCESS } from './admin-access.js';
import { defineAdminContracts } from './admin.js';

// The one-line change: every admin procedure's access, with a second factor required.
const strictContracts = { ...contracts, admin: defineAdminContracts({ ...ADMIN_ACCESS, stepUp: { acr: 'mfa' } }) };

describe('requiring a second factor for every admin procedure', () => {
  const manifest = buildAuthorizationManifest(strictContracts);
  const current = buildAuthorizationManifest(contracts);
  const admin = manifest.procedures.filter(({ path }) => path.startsWith('admin.'));

  it('is one declaration: every admin procedure then asks acr mfa, and the recent-sign-in ones keep their max age', () => {
    expect(admin.length).toBeGreaterThanOrEqual(8);
    for (const { path, auth } of admin) expect(auth, path).toMatchObject({ role: 'admin', stepUp: { acr: 'mfa' } });
    const stepUpOf = (path: string) => admin.find((procedure) => procedure.path === path)?.auth;
    expect(stepUpOf('admin.users.setRole')).toMatchObject({ stepUp: { acr: 'mfa', maxAgeSeconds: 300 } });
    expect(stepUpOf('admin.users.list')).toMatchObject({ stepUp: { acr: 'mfa', maxAgeSeconds: null } });
  });

  it('changes nothing else: the other procedures and the admin paths are as the contracts declare them', () => {
    expect(manifest.procedures.map(({ path }) => path)).toEqual(current.procedures.map(({ path }) => path));
    expect(manifest.procedures.filter(({ path }) => !path.startsWith('admin.'))).toEqual(current.procedures.filter(({ path }) => !path.startsWith('admin.')));
  });

  it('keeps the requirement in the types, where the client reads its StepUpRequiredError from', () => {
    expectTypeOf(strictContracts.admin.users.list.auth.stepUp).toEqualTypeOf<{ readonly acr: 'mfa' }>();
    expectTypeOf(strictContracts.admin.users.setRole.auth.stepUp.acr).toEqualTypeOf<'mfa'>();
    expectTypeOf(strictContracts.admin.users.setRole.auth.stepUp.maxAgeSeconds).toEqualTypeOf<300>();
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contracts } from '../contracts.js';
import { defineMutation, defineQuery, listProcedures, type ContractTree } from '../define-procedure.js';
import { ROLE_SCOPES, SCOPES } from '../scopes.js';
import { buildAuthorizationManifest, scopesSupported, type ManifestProcedure } from './authorization-manifest.js';

const manifest = buildAuthorizationManifest(contracts);

function entry(path: string): ManifestProcedure {
  const found = manifest.procedures.find((procedure) => procedure.path === path);
  if (found === undefined) throw new Error(`${path} is not in the manifest`);
  return found;
}

const input = z.strictObject({});
const output = z.object({ ok: z.boolean() });

describe('buildAuthorizationManifest', () => {
  it('lists every contract once, sorted by path, with its kind and summary', () => {
    const declared = listProcedures(contracts);
    expect(manifest.procedures.map(({ path }) => path)).toEqual(declared.map(({ path }) => path).sort());
    for (const { path, contract } of declared) {
      expect(entry(path)).toMatchObject({ kind: contract.kind, summary: contract.summary });
    }
  });

  it('records public procedures as public and nothing more', () => {
    expect(manifest.procedures.filter(({ auth }) => auth.public).map(({ path }) => path)).toEqual([
      'auth.login',
      'auth.loginSecondFactor',
      'auth.logout',
      'auth.refresh',
      'auth.register',
      'health',
    ]);
    expect(entry('health').auth).toEqual({ public: true });
  });

  it('records scopes, role and subject of protected procedures as their contracts declare them', () => {
    const plain = { policy: null, pinNetwork: false, stepUp: null };
    expect(entry('admin.users.list').auth).toEqual({ public: false, scopes: ['admin'], role: 'admin', subject: 'any', ...plain });
    expect(entry('users.me').auth).toEqual({ public: false, scopes: ['users:read'], role: null, subject: 'user', ...plain });
    expect(entry('orders.byId').auth).toEqual({ public: false, scopes: ['orders:read'], role: null, subject: 'any', policy: 'order.readable', pinNetwork: false, stepUp: null });
    expect(entry('apiKeys.create').auth).toEqual({ public: false, scopes: ['apikeys:manage'], role: null, subject: 'user', policy: null, pinNetwork: true, stepUp: null });
  });

  it('records step-up requirements: a recent sign-in for privilege changes, the second factor for removing it', () => {
    expect(manifest.manifestVersion).toBe(3);
    expect(entry('admin.users.setRole').auth).toMatchObject({ role: 'admin', stepUp: { acr: null, maxAgeSeconds: 300 } });
    expect(entry('admin.sessions.revokeAll').auth).toMatchObject({ role: 'admin', stepUp: { acr: null, maxAgeSeconds: 300 } });
    expect(entry('auth.secondFactor.remove').auth).toMatchObject({ subject: 'user', stepUp: { acr: 'mfa', maxAgeSeconds: null } });
  });

  it('states each rate limit: none, the server default for public or authenticated calls, or the declared budget with defaults filled in', () => {
    expect(entry('health').rateLimit).toEqual({ type: 'none' });
    expect(entry('auth.login').rateLimit).toEqual({ type: 'default', policy: 'public', key: 'ip' });
    expect(entry('orders.list').rateLimit).toEqual({ type: 'default', policy: 'authenticated', key: 'principal' });
    expect(entry('auth.register').rateLimit).toEqual({
      type: 'declared',
      policy: 'auth.register',
      points: 10,
      durationSeconds: 3600,
      key: 'ip',
      blockDurationSeconds: 0,
      cost: 1,
    });
  });

  it('keeps a declared block duration and cost', () => {
    const tree = {
      export: defineMutation({
        summary: 'Expensive export',
        input,
        output,
        auth: { scopes: ['orders:read'] },
        rateLimit: { name: 'export', points: 10, durationSeconds: 60, key: 'principal', blockDurationSeconds: 300, cost: 5 },
      }),
    };
    expect(buildAuthorizationManifest(tree).procedures[0]?.rateLimit).toEqual({
      type: 'declared',
      policy: 'export',
      points: 10,
      durationSeconds: 60,
      key: 'principal',
      blockDurationSeconds: 300,
      cost: 5,
    });
  });

  it('flags exactly the id-lookup procedures', () => {
    expect(manifest.procedures.filter(({ idLookup }) => idLookup).map(({ path }) => path)).toEqual([
      'apiKeys.revoke',
      'orders.byId',
      'users.byId',
    ]);
  });

  it('does not depend on declaration order of procedures or of scopes', () => {
    const a = defineQuery({ summary: 'a', input, output, auth: { scopes: ['orders:read', 'admin'], role: 'admin' } });
    const b = defineMutation({ summary: 'b', input, output, auth: 'public' });
    const a2 = defineQuery({ summary: 'a', input, output, auth: { scopes: ['admin', 'orders:read'], role: 'admin' } });
    const forward: ContractTree = { x: { a, b } };
    const backward: ContractTree = { x: { b, a: a2 } };
    expect(JSON.stringify(buildAuthorizationManifest(backward))).toBe(JSON.stringify(buildAuthorizationManifest(forward)));
    expect(buildAuthorizationManifest(forward).procedures[0]?.auth).toMatchObject({ scopes: ['admin', 'orders:read'] });
  });

  it('describes every scope with the roles that may hold it and the procedures that need it', () => {
    expect(manifest.scopes.map(({ name }) => name)).toEqual([...SCOPES].sort());
    const admin = manifest.scopes.find(({ name }) => name === 'admin');
    expect(admin?.grantedToRoles).toEqual(['admin']);
    expect(admin?.requiredBy).toEqual([
      'admin.apiKeys.list',
      'admin.apiKeys.revoke',
      'admin.auditLog.list',
      'admin.auditLog.verify',
      'admin.sessions.revokeAll',
      'admin.users.list',
      'admin.users.setAttributes',
      'admin.users.setRole',
    ]);
    expect(manifest.scopes.find(({ name }) => name === 'orders:read')?.requiredBy).toEqual(['orders.byId', 'orders.list']);
    expect(manifest.roles).toEqual([
      { name: 'user', scopes: [...ROLE_SCOPES.user].sort() },
      { name: 'admin', scopes: [...ROLE_SCOPES.admin].sort() },
    ]);
  });

  it('describes every policy with its rule, how a refusal answers, and the procedures that name it', () => {
    expect(manifest.policies.map(({ name }) => name)).toEqual(['order.readable', 'user.readable']);
    expect(manifest.policies.find(({ name }) => name === 'order.readable')).toMatchObject({
      resource: 'order',
      whenDenied: 'not_found',
      requiredBy: ['orders.byId'],
    });
    expect(manifest.policies.find(({ name }) => name === 'user.readable')?.requiredBy).toEqual(['users.byId']);
  });

  it('never requires a scope it does not describe, so scopes_supported covers every procedure', () => {
    const supported = new Set(scopesSupported(manifest));
    for (const { path, auth } of manifest.procedures) {
      if (!auth.public) for (const scope of auth.scopes) expect(supported.has(scope), `${path} needs ${scope}`).toBe(true);
    }
  });

  it('is plain JSON data: nothing is lost or changed by serialising it', () => {
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MANIFEST_ARTEFACT_PATHS,
  SCOPES,
  contracts,
  isPublic,
  listProcedures,
  type AuthorizationManifest,
  type ProtectedAccess,
  type Scope,
} from '@gatehouse/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../packages/contracts/scripts/manifest-files.js';
import { bearer, callProcedure, login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';
import type { SignInAuthentication } from '../apps/server/src/tokens/sign-in-authentication.js';

/**
 * Generated from the contracts: every protected procedure, now and later,
 * gets these cases with no edit here. Auth runs before input validation, so
 * a procedure without an example below is still covered (with no input).
 */
const PROTECTED = listProcedures(contracts).flatMap(({ path, contract }) =>
  isPublic(contract.auth) ? [] : [{ path, kind: contract.kind, input: contract.input, auth: contract.auth as ProtectedAccess }],
);

/** Inputs that pass validation, so a refusal can only be the auth check's. Checked against the schemas below. */
const VALID_INPUTS: Readonly<Record<string, unknown>> = {
  'users.byId': { id: randomUUID() },
  'users.update': { name: 'Matrix' },
  'orders.create': {
    items: [{ productId: 1, quantity: 1 }],
    shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
    paymentMethod: 'paypal',
  },
  'orders.list': { limit: 5 },
  'orders.byId': { id: randomUUID() },
  'admin.users.list': { limit: 5 },
  'admin.users.setRole': { userId: randomUUID(), role: 'user' },
  'admin.users.setAttributes': { userId: randomUUID(), attributes: { department: 'support' } },
  'admin.apiKeys.list': { userId: randomUUID() },
  'admin.apiKeys.revoke': { userId: randomUUID(), id: randomUUID() },
};

/**
 * The committed, reviewed manifest (equal to the contracts, or
 * authorization-manifest.test.ts fails): its role and subject promises are
 * checked against the server below.
 */
const MANIFEST = JSON.parse(readFileSync(join(REPOSITORY_ROOT, MANIFEST_ARTEFACT_PATHS.manifest), 'utf8')) as AuthorizationManifest;
const MANIFEST_PROTECTED = MANIFEST.procedures.flatMap(({ path, kind, auth }) => (auth.public ? [] : [{ path, kind, auth }]));

/** Input no procedure accepts: unknown keys are a BAD_REQUEST everywhere. */
const INVALID_INPUT = { matrixProbe: true };

let gatehouse: RunningGatehouse;
let adminId: string;

beforeAll(async () => {
  gatehouse = await startGatehouse();
  adminId = (await login(gatehouse.url, TEST_USERS.admin)).user.id;
});
afterAll(() => gatehouse.close());

/** The address these tests call from: tokens issued to it pass network-pinned contracts. */
const TEST_CLIENT_IP = '127.0.0.1';

/**
 * A genuine server-issued token for the admin, holding every scope except `without`, issued to `ip`'s network,
 * from a sign-in just now with a second factor (so step-up requirements hold) unless `signIn` says otherwise.
 */
async function tokenWithout(without: Scope | undefined, ip = TEST_CLIENT_IP, signIn: SignInAuthentication | null = freshSignIn('mfa')): Promise<string> {
  const issued = await gatehouse.server.deps.accessTokens.issue({
    subject: adminId,
    clientId: 'gatehouse',
    scopes: SCOPES.filter((scope) => scope !== without),
    grant: 'user',
    issuedTo: { ip, pinned: false },
    ...(signIn === null ? {} : { authentication: signIn }),
  });
  return issued.token;
}

function freshSignIn(acr: 'pwd' | 'mfa', secondsAgo = 0): SignInAuthentication {
  return { acr, amr: acr === 'mfa' ? ['pwd', 'otp'] : ['pwd'], authTime: Math.floor(Date.now() / 1000) - secondsAgo };
}

function call(procedure: (typeof PROTECTED)[number], input: unknown, headers: Record<string, string> = {}) {
  return callProcedure(gatehouse.url, procedure.path, { kind: procedure.kind, input, headers });
}

describe('the auth matrix, derived from the contracts', () => {
  it('covers every protected procedure, and every example input is valid', () => {
    expect(PROTECTED.length).toBeGreaterThanOrEqual(8);
    for (const procedure of PROTECTED) {
      const example = VALID_INPUTS[procedure.path];
      if (example !== undefined) expect(procedure.input.safeParse(example).success, procedure.path).toBe(true);
    }
  });

  describe.each(PROTECTED)('$path', (procedure) => {
    const validInput = VALID_INPUTS[procedure.path];

    it('without a credential: 401 missing_credentials, with valid or invalid input alike', async () => {
      for (const input of [validInput, INVALID_INPUT]) {
        const response = await call(procedure, input);
        expect(response.status).toBe(401);
        expect(response.body.error.data.auth).toEqual({ reason: 'missing_credentials' });
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
      }
    });

    it.each(procedure.auth.scopes)('lacking only %s: 403 naming it, before any input validation', async (scope) => {
      const token = await tokenWithout(scope);
      for (const input of [validInput, INVALID_INPUT]) {
        const response = await call(procedure, input, bearer(token));
        expect(response.status).toBe(403);
        expect(response.body.error.data.auth).toEqual({
          reason: 'insufficient_scope',
          requiredScopes: [...procedure.auth.scopes],
          missingScopes: [scope],
        });
        expect(response.headers.get('www-authenticate')).toBe(
          `Bearer realm="gatehouse", error="insufficient_scope", scope="${procedure.auth.scopes.join(' ')}"`,
        );
      }
    });

    it('with every scope: passes auth and reaches input validation (400 for unknown keys)', async () => {
      const response = await call(procedure, INVALID_INPUT, bearer(await tokenWithout(undefined)));
      expect(response.status).toBe(400);
      expect(response.body.error.data.auth).toBeUndefined();
    });
  });
});

describe('the auth matrix, derived from the committed manifest: roles and subjects', () => {
  let aliceId: string;
  beforeAll(async () => {
    aliceId = (await login(gatehouse.url, TEST_USERS.alice)).user.id;
  });

  /** A genuine token holding every scope: for a user whose record says `user`, or for a client with no user behind it. */
  async function everyScopeToken(holder: 'plain-user' | 'client'): Promise<string> {
    const issued = await gatehouse.server.deps.accessTokens.issue(
      holder === 'client'
        ? { subject: 'billing', clientId: 'billing', scopes: [...SCOPES], grant: 'client_credentials', issuedTo: { ip: TEST_CLIENT_IP, pinned: false } }
        : { subject: aliceId, clientId: 'gatehouse', scopes: [...SCOPES], grant: 'user', issuedTo: { ip: TEST_CLIENT_IP, pinned: false } },
    );
    return issued.token;
  }

  it('covers role-bound, user-only and open-to-services procedures', () => {
    expect(MANIFEST_PROTECTED.some(({ auth }) => auth.role === 'admin')).toBe(true);
    expect(MANIFEST_PROTECTED.some(({ auth }) => auth.subject === 'user')).toBe(true);
    expect(MANIFEST_PROTECTED.some(({ auth }) => auth.subject === 'any' && auth.role === null)).toBe(true);
  });

  const needsUser = (auth: (typeof MANIFEST_PROTECTED)[number]['auth']) => auth.subject === 'user' || auth.role !== null;
  const callWith = async (procedure: (typeof MANIFEST_PROTECTED)[number], holder: 'plain-user' | 'client') =>
    callProcedure(gatehouse.url, procedure.path, { kind: procedure.kind, input: INVALID_INPUT, headers: bearer(await everyScopeToken(holder)) });

  it.each(MANIFEST_PROTECTED.filter(({ auth }) => auth.role !== null))(
    '$path: a user whose record lacks the role gets 403 forbidden_role, even holding every scope',
    async (procedure) => {
      const response = await callWith(procedure, 'plain-user');
      expect(response.status).toBe(403);
      expect(response.body.error.data.auth).toEqual({ reason: 'forbidden_role' });
    },
  );

  it.each(MANIFEST_PROTECTED.filter(({ auth }) => needsUser(auth)))(
    '$path: a client with no user behind it gets 403 forbidden_role, even holding every scope',
    async (procedure) => {
      const response = await callWith(procedure, 'client');
      expect(response.status).toBe(403);
      expect(response.body.error.data.auth).toEqual({ reason: 'forbidden_role' });
    },
  );

  it.each(MANIFEST_PROTECTED.filter(({ auth }) => !needsUser(auth)))(
    '$path: a client with no user behind it and the scopes passes auth (400 for unknown keys)',
    async (procedure) => {
      const response = await callWith(procedure, 'client');
      expect(response.status).toBe(400);
      expect(response.body.error.data.auth).toBeUndefined();
    },
  );
});

describe('the auth matrix, derived from the committed manifest: network pinning and policies', () => {
  it.each(MANIFEST_PROTECTED.filter(({ auth }) => auth.pinNetwork))(
    '$path: a token issued to another network gets 401 invalid_token (network_changed), before input validation',
    async (procedure) => {
      const elsewhere = await tokenWithout(undefined, '198.51.100.1');
      const response = await callProcedure(gatehouse.url, procedure.path, { kind: procedure.kind, input: INVALID_INPUT, headers: bearer(elsewhere) });
      expect(response.status).toBe(401);
      expect(response.body.error.data.auth).toEqual({ reason: 'invalid_token', detail: 'network_changed' });
    },
  );

  /** For each procedure naming a policy: the input of a record another user owns, which alice must not get. */
  const OTHERS_RECORD: Readonly<Record<string, () => Promise<unknown>>> = {
    'users.byId': async () => ({ id: adminId }),
    'orders.byId': async () => {
      const example = VALID_INPUTS['orders.create'] as Omit<Parameters<typeof gatehouse.server.deps.orders.create>[0], 'ownerId'>;
      const order = await gatehouse.server.deps.orders.create({ ...example, ownerId: adminId });
      return { id: order.id };
    },
  };
  const WITH_POLICY = MANIFEST_PROTECTED.filter(({ auth }) => auth.policy !== null);

  it('covers every procedure that names a policy', () => {
    expect(WITH_POLICY.length).toBeGreaterThanOrEqual(2);
    for (const { path } of WITH_POLICY) expect(OTHERS_RECORD[path], path).toBeDefined();
  });

  it.each(WITH_POLICY)('$path: a user holding every scope but failing the policy gets the answer the policy declares', async (procedure) => {
    const aliceId = (await login(gatehouse.url, TEST_USERS.alice)).user.id;
    const token = (await gatehouse.server.deps.accessTokens.issue({ subject: aliceId, clientId: 'gatehouse', scopes: [...SCOPES], grant: 'user' })).token;
    const declared = MANIFEST.policies.find(({ name }) => name === procedure.auth.policy);
    const input = await OTHERS_RECORD[procedure.path]!();
    const response = await callProcedure(gatehouse.url, procedure.path, { kind: procedure.kind, input, headers: bearer(token) });
    if (declared?.whenDenied === 'not_found') {
      expect(response.status).toBe(404);
      expect(response.body.error.data.auth).toBeUndefined();
    } else {
      expect(response.status).toBe(403);
      expect(response.body.error.data.auth).toEqual({ reason: 'forbidden_role', policy: procedure.auth.policy });
    }
  });
});

describe('the auth matrix, derived from the committed manifest: step-up (RFC 9470)', () => {
  const WITH_STEP_UP = MANIFEST_PROTECTED.filter(({ auth }) => auth.stepUp !== null);

  it('covers the privilege-changing admin mutations and the factor removal', () => {
    expect(WITH_STEP_UP.map(({ path }) => path).sort()).toEqual(['admin.sessions.revokeAll', 'admin.users.setRole', 'auth.secondFactor.remove']);
  });

  /** The sign-ins that fall short of a requirement: too weak for an acr, too old for a max age, none at all. */
  function shortfalls(stepUp: NonNullable<(typeof WITH_STEP_UP)[number]['auth']['stepUp']>): Array<[string, SignInAuthentication | null]> {
    const cases: Array<[string, SignInAuthentication | null]> = [['no sign-in recorded', null]];
    if (stepUp.acr === 'mfa') cases.push(['a password-only sign-in', freshSignIn('pwd')]);
    if (stepUp.maxAgeSeconds !== null) cases.push(['a sign-in older than max_age', freshSignIn('mfa', stepUp.maxAgeSeconds + 60)]);
    return cases;
  }

  it.each(WITH_STEP_UP)('$path: a sign-in that falls short gets 401 step_up_required and the RFC 9470 challenge, before input validation', async (procedure) => {
    const stepUp = procedure.auth.stepUp!;
    const expected = {
      ...(stepUp.acr === null ? {} : { acrValues: [stepUp.acr] }),
      ...(stepUp.maxAgeSeconds === null ? {} : { maxAge: stepUp.maxAgeSeconds }),
    };
    for (const [label, signIn] of shortfalls(stepUp)) {
      const response = await callProcedure(gatehouse.url, procedure.path, {
        kind: procedure.kind,
        input: INVALID_INPUT,
        headers: bearer(await tokenWithout(undefined, TEST_CLIENT_IP, signIn)),
      });
      expect(response.status, label).toBe(401);
      expect(response.body.error.data.auth, label).toEqual({ reason: 'step_up_required', stepUp: expected });
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge, label).toMatch(/^Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="[^"]+"/);
      if (stepUp.acr !== null) expect(challenge, label).toContain(`acr_values="${stepUp.acr}"`);
      if (stepUp.maxAgeSeconds !== null) expect(challenge, label).toContain(`max_age="${stepUp.maxAgeSeconds}"`);
    }
  });
});

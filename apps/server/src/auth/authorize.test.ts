import type { ProtectedAccess } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createSecurityEvents, type SecurityEvent } from '../audit/security-events.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { createRefusalBudgets } from '../ratelimit/refusal-budgets.js';
import { createRequestRateLimit } from '../ratelimit/request-rate-limit.js';
import { createResponseHeaders } from '../response-headers.js';
import { createMemoryUserStore } from '../stores/memory/memory-user-store.js';
import { authorize, refuseForbiddenRole, type AuthorizationContext } from './authorize.js';
import type { Principal } from './principal.js';

const NOW_MS = 1_800_000_000_000;
const NOW_SECONDS = NOW_MS / 1000;

async function setUp(options: { deniedPoints?: number } = {}) {
  const users = createMemoryUserStore();
  const admin = await users.create({ email: 'admin@example.com', name: 'A', role: 'admin', passwordHash: 'unused' });
  const member = await users.create({ email: 'member@example.com', name: 'M', role: 'user', passwordHash: 'unused' });
  const events = createSecurityEvents(pino({ level: 'silent' }));
  const seen: SecurityEvent[] = [];
  events.addSink({ record: (event) => void seen.push(event) });
  const refusals = createRefusalBudgets(
    { failedAuth: { points: 50, durationSeconds: 300 }, denied: { points: options.deniedPoints ?? 100, durationSeconds: 300 } },
    { kind: 'memory' },
    () => NOW_MS,
  );
  /** A request context whose caller is `principal`, as the HTTP layer builds one. */
  const contextOf = (principal: Principal | undefined): AuthorizationContext => ({
    ip: '203.0.113.9',
    requestId: 'req-1',
    rateLimit: createRequestRateLimit({ calls: [], policyForPath: () => undefined, limiterFor: () => expect.fail('no contract policy here') }),
    responseHeaders: createResponseHeaders(),
    authenticate: () => Promise.resolve(principal),
    deps: { events, rateLimits: { refusals }, users, now: () => NOW_MS },
  });
  // Sinks run a microtask after emit.
  const recorded = async () => (await Promise.resolve(), seen.map(({ type, principal, details }) => ({ type, principal, details })));
  return { adminId: admin.id, memberId: member.id, users, contextOf, recorded };
}

const userWith = (userId: string, scopes: Principal['scopes'], credential: Principal['credential'] = token()): Principal => ({ kind: 'user', userId, scopes, credential });
const clientWith = (scopes: Principal['scopes']): Principal => ({ kind: 'client', id: 'billing', scopes, credential: token() });
function token(extra: { network?: 'same' | 'moved' | 'unrecorded'; authTime?: number; acr?: 'pwd' | 'mfa' } = {}): Principal['credential'] {
  return {
    type: 'access_token',
    jti: 'jti-1',
    clientId: 'gatehouse',
    expiresAt: NOW_SECONDS + 900,
    ...(extra.network === undefined ? {} : { network: extra.network }),
    ...(extra.authTime === undefined ? {} : { authentication: { acr: extra.acr ?? 'pwd', amr: ['pwd'], authTime: extra.authTime } }),
  };
}

/** The refusal a client sees: the tRPC code and the auth data of its cause. */
async function refusalOf(promise: Promise<unknown>): Promise<{ code: string; auth?: AuthFailureError['data'] }> {
  const error = await promise.then(() => expect.fail('admitted'), (caught: unknown) => caught);
  if (!(error instanceof TRPCError)) throw error;
  return error.cause instanceof AuthFailureError ? { code: error.code, auth: error.cause.data } : { code: error.code };
}

describe('authorize', () => {
  it('admits a principal holding every scope, and returns it', async () => {
    const { contextOf, memberId } = await setUp();
    const principal = userWith(memberId, ['users:read', 'orders:read']);
    expect(await authorize(contextOf(principal), { scopes: ['users:read'] }, 'users.me')).toBe(principal);
  });

  it('refuses a call without a credential as missing_credentials', async () => {
    const { contextOf } = await setUp();
    expect(await refusalOf(authorize(contextOf(undefined), { scopes: [] }, 'users.me'))).toEqual({ code: 'UNAUTHORIZED', auth: { reason: 'missing_credentials' } });
  });

  it('refuses a missing scope with 403 naming it, and records the denial', async () => {
    const { contextOf, memberId, recorded } = await setUp();
    const refusal = await refusalOf(authorize(contextOf(userWith(memberId, ['users:read'])), { scopes: ['users:read', 'orders:write'] }, 'orders.create'));
    expect(refusal).toEqual({
      code: 'FORBIDDEN',
      auth: { reason: 'insufficient_scope', requiredScopes: ['users:read', 'orders:write'], missingScopes: ['orders:write'] },
    });
    expect(await recorded()).toEqual([
      { type: 'authz.denied', principal: `user:${memberId}`, details: { path: 'orders.create', reason: 'insufficient_scope', missingScopes: ['orders:write'] } },
    ]);
  });

  it('refuses a client or service on a procedure about the user’s own account, even holding the scopes', async () => {
    const { contextOf, recorded } = await setUp();
    const refusal = await refusalOf(authorize(contextOf(clientWith(['users:read'])), { scopes: ['users:read'], subject: 'user' }, 'users.me'));
    expect(refusal).toEqual({ code: 'FORBIDDEN', auth: { reason: 'forbidden_role' } });
    expect(await recorded()).toEqual([
      { type: 'authz.denied', principal: 'client:billing', details: { path: 'users.me', reason: 'forbidden_role', principalKind: 'client' } },
    ]);
  });

  it('admits a client or service holding the scopes of a procedure that names no subject or role', async () => {
    const { contextOf } = await setUp();
    const client = clientWith(['orders:read']);
    expect(await authorize(contextOf(client), { scopes: ['orders:read'] }, 'orders.list')).toBe(client);
  });

  it('reads no user record for a procedure without a role: a user’s credential is judged by its scopes', async () => {
    const { contextOf } = await setUp();
    // Not on record here: whether the user still exists is authentication's question (principal-presence.ts).
    const principal = userWith('not-on-record', ['users:read']);
    expect(await authorize(contextOf(principal), { scopes: ['users:read'], subject: 'user' }, 'users.me')).toBe(principal);
  });

  it('refuses a role requirement to a client seeded with the admin scope: roles are people’s', async () => {
    const { contextOf } = await setUp();
    const refusal = await refusalOf(authorize(contextOf(clientWith(['admin'])), { scopes: ['admin'], role: 'admin' }, 'admin.users.list'));
    expect(refusal).toEqual({ code: 'FORBIDDEN', auth: { reason: 'forbidden_role' } });
  });

  it('reads the role from the user’s record: an admin passes, a user holding the admin scope does not, nor a user gone', async () => {
    const { contextOf, adminId, memberId, recorded } = await setUp();
    const requirement: ProtectedAccess = { scopes: ['admin'], role: 'admin' };
    await authorize(contextOf(userWith(adminId, ['admin'])), requirement, 'admin.users.list');
    expect(await refusalOf(authorize(contextOf(userWith(memberId, ['admin'])), requirement, 'admin.users.list'))).toEqual({
      code: 'FORBIDDEN',
      auth: { reason: 'forbidden_role' },
    });
    expect(await refusalOf(authorize(contextOf(userWith('deleted-user', ['admin'])), requirement, 'admin.users.list'))).toEqual({
      code: 'FORBIDDEN',
      auth: { reason: 'forbidden_role' },
    });
    expect((await recorded())[0]).toEqual({
      type: 'authz.denied',
      principal: `user:${memberId}`,
      details: { path: 'admin.users.list', reason: 'forbidden_role', requiredRole: 'admin' },
    });
    // A requirement of the lowest role admits any user on record.
    await authorize(contextOf(userWith(memberId, [])), { scopes: [], role: 'user' }, 'users.me');
  });

  it('refuses an access token used from another network on a pinned procedure as invalid_token network_changed', async () => {
    const { contextOf, memberId } = await setUp();
    const pinned: ProtectedAccess = { scopes: [], pinNetwork: true };
    await authorize(contextOf(userWith(memberId, [], token({ network: 'same' }))), pinned, 'users.update');
    for (const network of ['moved', 'unrecorded'] as const) {
      expect(await refusalOf(authorize(contextOf(userWith(memberId, [], token({ network }))), pinned, 'users.update')), network).toEqual({
        code: 'UNAUTHORIZED',
        auth: { reason: 'invalid_token', detail: 'network_changed' },
      });
    }
    // Only access tokens record a network; an API key is not refused by the pin, nor a moved token without one.
    await authorize(contextOf(userWith(memberId, [], { type: 'api_key', keyId: 'key-1' })), pinned, 'users.update');
    await authorize(contextOf(userWith(memberId, [], token({ network: 'moved' }))), { scopes: [] }, 'users.update');
  });

  it('asks for a new sign-in when the one behind the token is too old or too weak, naming what would do', async () => {
    const { contextOf, memberId, recorded } = await setUp();
    const requirement: ProtectedAccess = { scopes: [], stepUp: { acr: 'mfa', maxAgeSeconds: 300 } };
    await authorize(contextOf(userWith(memberId, [], token({ acr: 'mfa', authTime: NOW_SECONDS - 300 }))), requirement, 'users.update');
    for (const credential of [token({ acr: 'mfa', authTime: NOW_SECONDS - 301 }), token({ acr: 'pwd', authTime: NOW_SECONDS })]) {
      expect(await refusalOf(authorize(contextOf(userWith(memberId, [], credential)), requirement, 'users.update'))).toEqual({
        code: 'UNAUTHORIZED',
        auth: { reason: 'step_up_required', stepUp: { acrValues: ['mfa'], maxAge: 300 } },
      });
    }
    expect((await recorded())[0]).toEqual({ type: 'authz.denied', principal: `user:${memberId}`, details: { path: 'users.update', reason: 'step_up_required' } });
  });

  it('judges max_age by the server’s clock in whole seconds', async () => {
    const { contextOf, memberId } = await setUp();
    // 300.999 seconds after the sign-in is still 300 whole seconds.
    const context = { ...contextOf(userWith(memberId, [], token({ authTime: NOW_SECONDS - 300 }))) };
    const late = { ...context, deps: { ...context.deps, now: () => NOW_MS + 999 } };
    await authorize(late, { scopes: [], stepUp: { maxAgeSeconds: 300 } }, 'users.update');
  });

  it('charges each denial to the IP: past its budget the caller gets 429, not another 403', async () => {
    const { contextOf, memberId, recorded } = await setUp({ deniedPoints: 1 });
    const principal = userWith(memberId, []);
    expect((await refusalOf(authorize(contextOf(principal), { scopes: ['admin'] }, 'admin.users.list'))).code).toBe('FORBIDDEN');
    expect((await refusalOf(authorize(contextOf(principal), { scopes: ['admin'] }, 'admin.users.list'))).code).toBe('TOO_MANY_REQUESTS');
    expect((await recorded()).map((event) => event.type)).toEqual(['authz.denied', 'ratelimit.exceeded']);
  });
});

describe('refuseForbiddenRole', () => {
  it('refuses with 403 forbidden_role, recorded and charged like a contract’s own denial', async () => {
    const { contextOf, recorded } = await setUp({ deniedPoints: 1 });
    const service: Principal = { kind: 'service', id: 'ledger', scopes: [], credential: { type: 'certificate', fingerprint: 'ab' } };
    expect(await refusalOf(refuseForbiddenRole(contextOf(service), service, 'auth.logout'))).toEqual({ code: 'FORBIDDEN', auth: { reason: 'forbidden_role' } });
    expect(await recorded()).toEqual([{ type: 'authz.denied', principal: 'service:ledger', details: { path: 'auth.logout', reason: 'forbidden_role', principalKind: 'service' } }]);
    expect((await refusalOf(refuseForbiddenRole(contextOf(service), service, 'auth.logout'))).code).toBe('TOO_MANY_REQUESTS');
  });
});

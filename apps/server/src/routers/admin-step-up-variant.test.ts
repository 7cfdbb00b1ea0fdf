import { ADMIN_ACCESS, SCOPES, defineAdminContracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { createRequestContext } from '../context.js';
import { createDependencies, type Dependencies } from '../dependencies.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { createLogger } from '../http/logger.js';
import { t } from '../trpc.js';
import type { SignInAuthentication } from '../tokens/sign-in-authentication.js';
import { adminHandlers } from './admin.js';
import { buildRouter } from './build-router.js';

// The variant of the contracts where every admin procedure needs a second factor: one declaration changed,
// served by the very same handlers. The server enforces it with no other edit.
const strictAdmin = { admin: defineAdminContracts({ ...ADMIN_ACCESS, stepUp: { acr: 'mfa' } }) };
const createCaller = t.createCallerFactory(buildRouter(strictAdmin, { admin: adminHandlers }));

let deps: Dependencies;
let adminId: string;
beforeAll(async () => {
  const config = parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_BCRYPT_COST: '4', GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_METRICS_PORT: 'off' });
  deps = await createDependencies(config, createLogger(config));
  adminId = (await deps.users.create({ email: `variant-${crypto.randomUUID()}@test.gatehouse`, name: 'Admin', role: 'admin', passwordHash: 'unused' })).id;
});
afterAll(() => deps.close());

async function callerSignedInWith(acr: 'pwd' | 'mfa') {
  const authentication: SignInAuthentication = { acr, amr: acr === 'mfa' ? ['pwd', 'otp'] : ['pwd'], authTime: Math.floor(Date.now() / 1000) };
  const { token } = await deps.accessTokens.issue({ subject: adminId, clientId: 'gatehouse', scopes: [...SCOPES], grant: 'user', authentication });
  const ctx = createRequestContext(deps, { id: 'variant', ip: '192.0.2.10', url: '/trpc/admin.users.list', headers: { authorization: `Bearer ${token}` } }, ['admin.users.list']);
  return createCaller(ctx);
}

describe('contracts requiring a second factor for every admin procedure', () => {
  it('refuse an admin signed in with a password alone: 401 step_up_required, acr_values mfa', async () => {
    const caller = await callerSignedInWith('pwd');
    const refused: unknown = await caller.admin.users.list({ limit: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).code).toBe('UNAUTHORIZED');
    expect(((refused as TRPCError).cause as AuthFailureError).data).toEqual({ reason: 'step_up_required', stepUp: { acrValues: ['mfa'] } });
  });

  it('serve an admin signed in with the second factor', async () => {
    const caller = await callerSignedInWith('mfa');
    await expect(caller.admin.users.list({ limit: 1 })).resolves.toMatchObject({ items: expect.any(Array) });
  });
});

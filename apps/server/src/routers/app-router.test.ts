import {
  DEFAULT_RATE_LIMIT_POLICY_NAMES,
  ENUMERATION_POLICY_NAME,
  LOGIN_POLICY_NAMES,
  contracts,
  type Contracts,
} from '@gatehouse/contracts';
import type { GatehouseRouter, RouterMatchesContracts, RouterSignature } from '@gatehouse/contracts/trpc';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { STRICT_LOGIN_POLICY_NAME } from '../abuse/credential-stuffing-detector.js';
import { ENUMERATION_POLICY_NAME as SERVER_ENUMERATION_POLICY_NAME } from '../abuse/enumeration-detector.js';
import { LOGIN_POLICY_NAMES as SERVER_LOGIN_POLICY_NAMES } from '../ratelimit/login-guard.js';
import { DEFAULT_POLICY_NAMES } from '../ratelimit/resolve-policy.js';
import { t } from '../trpc.js';
import { appRouter, appRouterMatchesContracts, type AppRouter } from './app-router.js';

describe('the served router against the contract-derived router type', () => {
  it('serves exactly the kinds, inputs and outputs clients derive from @gatehouse/contracts alone', () => {
    expectTypeOf<RouterSignature<AppRouter>>().toEqualTypeOf<RouterSignature<GatehouseRouter>>();
    expect(appRouterMatchesContracts).toBe(true);
  });

  it('fails the compile-time check when the router drifts from the contracts', () => {
    const record = appRouter._def.record;
    const extra = t.router({ ...record, debug: t.procedure.query(() => 'x') });
    const { health: _removed, ...withoutHealth } = record;
    const missing = t.router(withoutHealth);
    const widenedInput = t.router({
      ...record,
      orders: {
        ...record.orders,
        byId: t.procedure
          .input(z.object({ id: z.string() }))
          .output(contracts.orders.byId.output)
          .query(() => {
            throw new Error('never called');
          }),
      },
    });
    const narrowedOutput = t.router({ ...record, health: t.procedure.query(() => ({ status: 'ok' as const })) });
    const wrongKind = t.router({ ...record, health: t.procedure.mutation(() => ({ status: 'ok' as const, time: '' })) });

    // @ts-expect-error a procedure no contract declares
    const extraChecked: RouterMatchesContracts<typeof extra, Contracts> = true;
    // @ts-expect-error a contract with no procedure
    const missingChecked: RouterMatchesContracts<typeof missing, Contracts> = true;
    // @ts-expect-error an input that is not the contract's
    const inputChecked: RouterMatchesContracts<typeof widenedInput, Contracts> = true;
    // @ts-expect-error an output that is not the contract's
    const outputChecked: RouterMatchesContracts<typeof narrowedOutput, Contracts> = true;
    // @ts-expect-error a query served as a mutation
    const kindChecked: RouterMatchesContracts<typeof wrongKind, Contracts> = true;
    expect([extraChecked, missingChecked, inputChecked, outputChecked, kindChecked]).toEqual([true, true, true, true, true]);
    expect(Object.keys(extra._def.procedures)).toContain('debug');
    expect(Object.keys(missing._def.procedures)).not.toContain('health');
  });
});

describe('rate-limit policy names clients are typed with', () => {
  it('are the names the server’s limiters put in data.rateLimit.policy', () => {
    expect(DEFAULT_RATE_LIMIT_POLICY_NAMES).toEqual(DEFAULT_POLICY_NAMES);
    expect(ENUMERATION_POLICY_NAME).toBe(SERVER_ENUMERATION_POLICY_NAME);
    expect([...LOGIN_POLICY_NAMES].sort()).toEqual([...Object.values(SERVER_LOGIN_POLICY_NAMES), STRICT_LOGIN_POLICY_NAME].sort());
  });
});

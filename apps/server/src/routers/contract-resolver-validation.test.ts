import { defineMutation, type ContractTree } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { parseConfig } from '../config.js';
import { createDependencies, type Dependencies } from '../dependencies.js';
import { createLogger } from '../http/logger.js';
import { createRequestContext } from '../context.js';
import { t } from '../trpc.js';
import { buildRouter } from './build-router.js';

// Input and output are parsed in the resolver step, not by tRPC's .input()/.output(): the same outcomes.
const contracts = {
  rename: defineMutation({
    summary: 'public, echoes a trimmed name',
    input: z.strictObject({ name: z.string().trim().min(1).max(20) }),
    output: z.object({ name: z.string().max(20) }),
    auth: 'public',
    rateLimit: 'none',
  }),
  secret: defineMutation({
    summary: 'protected',
    input: z.strictObject({ name: z.string() }),
    output: z.object({ name: z.string() }),
    auth: { scopes: ['users:write'] },
  }),
} satisfies ContractTree;

const seen: unknown[] = [];
const router = buildRouter(contracts, {
  rename: async ({ input }) => {
    seen.push(input);
    // Too long for the output schema when asked to: the server must not send it.
    return { name: input.name === 'overflow' ? 'x'.repeat(21) : input.name };
  },
  secret: async ({ input }) => input,
});

let deps: Dependencies;
beforeAll(async () => {
  const config = parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_BCRYPT_COST: '4', GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_METRICS_PORT: 'off' });
  deps = await createDependencies(config, createLogger(config));
});
afterAll(() => deps.close());

const caller = () => t.createCallerFactory(router)(createRequestContext(deps, { id: 'validated', ip: '203.0.113.9', url: '/trpc', headers: {} }));

async function failure(call: Promise<unknown>): Promise<TRPCError> {
  const error: unknown = await call.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe('contractResolver: input and output validation', () => {
  it('hands the handler the parsed input (transforms applied)', async () => {
    await expect(caller().rename({ name: '  Ada  ' })).resolves.toEqual({ name: 'Ada' });
    expect(seen.at(-1)).toEqual({ name: 'Ada' });
  });

  it('refuses bad input with BAD_REQUEST carrying the schema issues, before the handler runs', async () => {
    const before = seen.length;
    const refused = await failure(caller().rename({ name: '', extra: 1 } as never));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.cause).toBeInstanceOf(z.ZodError);
    expect(seen).toHaveLength(before);
  });

  it('never sends output that breaks the contract: INTERNAL_SERVER_ERROR', async () => {
    const refused = await failure(caller().rename({ name: 'overflow' }));
    expect(refused.code).toBe('INTERNAL_SERVER_ERROR');
    expect(refused.cause).toBeInstanceOf(z.ZodError);
  });

  it('answers an anonymous caller 401 before looking at its input', async () => {
    const refused = await failure(caller().secret({ wrong: true } as never));
    expect(refused.code).toBe('UNAUTHORIZED');
    expect(refused.cause).toBeInstanceOf(AuthFailureError);
  });
});

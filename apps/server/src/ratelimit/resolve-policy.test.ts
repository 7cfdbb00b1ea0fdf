import { defineQuery, noInput, type ContractTree, type RateLimitDeclaration } from '@gatehouse/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolvePolicy, resolvePolicyTable } from './resolve-policy.js';

const limits = { public: { points: 100, durationSeconds: 3600 }, authenticated: { points: 600, durationSeconds: 60 } };
const ok = z.object({ ok: z.literal(true) });

const publicQuery = (rateLimit?: RateLimitDeclaration) =>
  defineQuery({ summary: 'A public query', input: noInput, output: ok, auth: 'public', ...(rateLimit === undefined ? {} : { rateLimit }) });
const userQuery = () => defineQuery({ summary: 'A user query', input: noInput, output: ok, auth: { scopes: ['orders:read'] } });

describe('resolvePolicy', () => {
  it('fills a declared policy’s defaults: no block, one point a call', () => {
    expect(resolvePolicy(publicQuery({ name: 'x.y', points: 5, durationSeconds: 10, key: 'ip' }), limits)).toEqual({
      name: 'x.y',
      points: 5,
      durationSeconds: 10,
      blockDurationSeconds: 0,
      key: 'ip',
      cost: 1,
    });
    expect(resolvePolicy(publicQuery({ name: 'x.z', points: 5, durationSeconds: 10, key: 'principal', blockDurationSeconds: 900, cost: 2 }), limits)).toEqual({
      name: 'x.z',
      points: 5,
      durationSeconds: 10,
      blockDurationSeconds: 900,
      key: 'principal',
      cost: 2,
    });
  });

  it('gives an undeclared public procedure the per-IP default and a protected one the per-principal default', () => {
    expect(resolvePolicy(publicQuery(), limits)).toEqual({ name: 'public', points: 100, durationSeconds: 3600, blockDurationSeconds: 0, key: 'ip', cost: 1 });
    expect(resolvePolicy(userQuery(), limits)).toEqual({
      name: 'authenticated',
      points: 600,
      durationSeconds: 60,
      blockDurationSeconds: 0,
      key: 'principal',
      cost: 1,
    });
    expect(resolvePolicy(publicQuery('none'), limits)).toBeUndefined();
  });
});

describe('resolvePolicyTable', () => {
  const declared = (overrides: Partial<Exclude<RateLimitDeclaration, 'none'>>): RateLimitDeclaration => ({
    name: 'shared',
    points: 4,
    durationSeconds: 60,
    key: 'ip',
    ...overrides,
  });

  it('lists every procedure, unlimited ones as undefined', () => {
    const table = resolvePolicyTable(limits, { open: publicQuery(), free: publicQuery('none') } satisfies ContractTree);
    expect(table.get('open')).toMatchObject({ name: 'public' });
    expect(table.has('free')).toBe(true);
    expect(table.get('free')).toBeUndefined();
  });

  it('accepts a cost of one up to the whole budget, and stops start-up for any other, naming the procedure', () => {
    expect(() => resolvePolicyTable(limits, { whole: publicQuery(declared({ cost: 4 })) })).not.toThrow();
    for (const cost of [0, 5, 1.5]) {
      expect(() => resolvePolicyTable(limits, { pricey: publicQuery(declared({ cost })) }), String(cost)).toThrow(/rate limit of pricey/);
    }
  });

  it('lets contracts share a policy name with one budget, and stops start-up when their budgets differ', () => {
    expect(() => resolvePolicyTable(limits, { a: publicQuery(declared({})), b: publicQuery(declared({ cost: 2, blockDurationSeconds: 60 })) })).not.toThrow();
    for (const other of [{ points: 5 }, { durationSeconds: 61 }, { key: 'principal' as const }]) {
      expect(() => resolvePolicyTable(limits, { a: publicQuery(declared({})), b: publicQuery(declared(other)) }), JSON.stringify(other)).toThrow(
        /"shared" is declared with two different budgets/,
      );
    }
  });
});

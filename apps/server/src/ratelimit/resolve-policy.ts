import { contracts, listProcedures, type ContractTree, type ProcedureContract, type RateLimitKey } from '@gatehouse/contracts';
import type { Config } from '../config.js';
import type { LimiterSpec } from './create-limiter.js';

/** A contract's rate limit with every default filled in. */
export interface ResolvedPolicy extends LimiterSpec {
  readonly key: RateLimitKey;
  /** Points one call costs. */
  readonly cost: number;
}

/** Names of the default policies, as headers and `data.rateLimit.policy` show them. */
export const DEFAULT_POLICY_NAMES = { public: 'public', authenticated: 'authenticated' } as const;

/**
 * The policy a contract runs under: its own declaration, the default for
 * public procedures (per client IP) or for authenticated ones (per
 * principal), or none when the contract says `'none'` (health).
 */
export function resolvePolicy(contract: ProcedureContract, limits: Config['limits']): ResolvedPolicy | undefined {
  const declared = contract.rateLimit;
  if (declared === 'none') return undefined;
  if (declared !== undefined) {
    return {
      name: declared.name,
      points: declared.points,
      durationSeconds: declared.durationSeconds,
      blockDurationSeconds: declared.blockDurationSeconds ?? 0,
      key: declared.key,
      cost: declared.cost ?? 1,
    };
  }
  const isPublic = contract.auth === 'public';
  const budget = isPublic ? limits.public : limits.authenticated;
  return {
    name: isPublic ? DEFAULT_POLICY_NAMES.public : DEFAULT_POLICY_NAMES.authenticated,
    points: budget.points,
    durationSeconds: budget.durationSeconds,
    blockDurationSeconds: 0,
    key: isPublic ? 'ip' : 'principal',
    cost: 1,
  };
}

/**
 * Every procedure path's policy, resolved and checked once at start-up: a
 * cost above its budget, or two contracts declaring one name with different
 * budgets, stops the server rather than surfacing on the first request.
 */
export function resolvePolicyTable(limits: Config['limits'], tree: ContractTree = contracts): ReadonlyMap<string, ResolvedPolicy | undefined> {
  const table = new Map<string, ResolvedPolicy | undefined>();
  const byName = new Map<string, ResolvedPolicy>();
  for (const { path, contract } of listProcedures(tree)) {
    const policy = resolvePolicy(contract, limits);
    if (policy !== undefined) {
      if (!Number.isInteger(policy.cost) || policy.cost < 1 || policy.cost > policy.points) {
        throw new RangeError(`rate limit of ${path}: cost must be an integer from 1 to its points (${policy.points})`);
      }
      const twin = byName.get(policy.name);
      if (twin !== undefined && (twin.points !== policy.points || twin.durationSeconds !== policy.durationSeconds || twin.key !== policy.key)) {
        throw new RangeError(`rate limit name "${policy.name}" is declared with two different budgets`);
      }
      byName.set(policy.name, policy);
    }
    table.set(path, policy);
  }
  return table;
}

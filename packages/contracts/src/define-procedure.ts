import type { z } from 'zod';
import type { AuthRequirement } from './auth-requirement.js';
import type { RateLimitDeclaration } from './rate-limit-policy.js';

/** A tRPC query (GET, no side effects) or mutation (POST). */
export type ProcedureKind = 'query' | 'mutation';

const CONTRACT_BRAND: unique symbol = Symbol.for('gatehouse.procedure-contract');

/**
 * One procedure, declared once: what it takes, what it returns, who may call
 * it and how often. The server builds its router from these and the client
 * reads its types from the router; neither restates them.
 */
export interface ProcedureContract<
  TKind extends ProcedureKind = ProcedureKind,
  TInput extends z.ZodType = z.ZodType,
  TOutput extends z.ZodType = z.ZodType,
  TAuth extends AuthRequirement = AuthRequirement,
  TRateLimit extends RateLimitDeclaration | undefined = RateLimitDeclaration | undefined,
  TIdLookup extends true | undefined = true | undefined,
> {
  readonly [CONTRACT_BRAND]: true;
  readonly kind: TKind;
  readonly summary: string;
  readonly input: TInput;
  readonly output: TOutput;
  readonly auth: TAuth;
  /** Its own policy, `'none'`, or undefined for the server's default (kept literal, so clients know the policy names). */
  readonly rateLimit: TRateLimit;
  /**
   * Marks a procedure that looks one record up by a caller-chosen id. Its
   * NOT_FOUND and FORBIDDEN answers count towards enumeration detection, and
   * a caller caught enumerating is refused it for a while (429).
   */
  readonly idLookup: TIdLookup;
}

/** What a contract author writes. `auth` is required: omitting it is a compile error. */
export interface ContractDefinition<
  TInput extends z.ZodType,
  TOutput extends z.ZodType,
  TAuth extends AuthRequirement,
> {
  readonly summary: string;
  readonly input: TInput;
  readonly output: TOutput;
  readonly auth: TAuth;
  readonly rateLimit?: RateLimitDeclaration;
  /**
   * Marks a procedure that looks one record up by a caller-chosen id. Its
   * NOT_FOUND and FORBIDDEN answers count towards enumeration detection, and
   * a caller caught enumerating is refused it for a while (429).
   */
  readonly idLookup?: true;
}

/** A nested record of contracts, shaped like the procedure paths (`admin.users.list`). */
export interface ContractTree {
  readonly [segment: string]: ProcedureContract | ContractTree;
}

function defineProcedure<TKind extends ProcedureKind>(kind: TKind) {
  return function define<
    TInput extends z.ZodType,
    TOutput extends z.ZodType,
    const TAuth extends AuthRequirement,
    const TRateLimit extends RateLimitDeclaration | undefined = undefined,
    const TIdLookup extends true | undefined = undefined,
  >(
    definition: ContractDefinition<TInput, TOutput, TAuth> & { readonly rateLimit?: TRateLimit; readonly idLookup?: TIdLookup },
  ): ProcedureContract<TKind, TInput, TOutput, TAuth, TRateLimit, TIdLookup> {
    // Absent keys read as undefined, which is what the type says for a contract that left them out.
    return Object.freeze({ ...definition, kind, [CONTRACT_BRAND]: true as const }) as ProcedureContract<
      TKind,
      TInput,
      TOutput,
      TAuth,
      TRateLimit,
      TIdLookup
    >;
  };
}

/**
 * Declares a query.
 *
 * @example
 * ```ts
 * const me = defineQuery({
 *   summary: 'The caller’s own account',
 *   input: noInput,
 *   output: publicUserSchema,
 *   auth: { scopes: ['users:read'], subject: 'user' },
 * });
 * ```
 */
export const defineQuery = defineProcedure('query');

/** Declares a mutation. Same shape as {@link defineQuery}. */
export const defineMutation = defineProcedure('mutation');

/** Whether a value is a contract made by {@link defineQuery} or {@link defineMutation}, not a namespace of them. */
export function isProcedureContract(value: unknown): value is ProcedureContract {
  return typeof value === 'object' && value !== null && CONTRACT_BRAND in value;
}

/** Every contract of a tree with its dotted path, in declaration order. */
export function listProcedures(
  tree: ContractTree,
  prefix = '',
): Array<{ readonly path: string; readonly contract: ProcedureContract }> {
  return Object.entries(tree).flatMap(([segment, node]) => {
    const path = prefix === '' ? segment : `${prefix}.${segment}`;
    return isProcedureContract(node) ? [{ path, contract: node }] : listProcedures(node, path);
  });
}

import {
  isProcedureContract,
  type ContractTree,
  type PolicyName,
  type ProcedureContract,
  type ProtectedAccess,
} from '@gatehouse/contracts';
import type { TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';
import type { z } from 'zod';
import type { SystemPrincipal, UserPrincipal } from '../auth/principal.js';
import type { AuthenticatedContext, RequestContext } from '../context.js';
import type { PolicyGate } from '../policies/policy-gate.js';
import type { ResourceOf } from '../policies/policy-registry.js';
import { t, type ProcedureMeta } from '../trpc.js';
import { contractResolver, type AnyHandler, type ResolverOptions } from './contract-resolver.js';

/**
 * What a handler of a contract sees in ctx: a principal exactly when the
 * contract demands one, and `policy`, the gate its record must pass,
 * exactly when the contract names a policy.
 */
export type ContextFor<TContract extends ProcedureContract> = TContract['auth'] extends 'public'
  ? RequestContext
  : (TContract['auth'] extends ProtectedAccess & ({ readonly subject: 'user' } | { readonly role: string })
      ? AuthenticatedContext<UserPrincipal>
      : AuthenticatedContext<UserPrincipal | SystemPrincipal>) &
      PolicyContextFor<TContract['auth']>;

/** `{ policy }` for a contract that names one, nothing otherwise. */
type PolicyContextFor<TAuth> = TAuth extends { readonly policy: infer TName extends PolicyName }
  ? { readonly policy: PolicyGate<ResourceOf<TName>> }
  : unknown;

/** The function implementing one contract. */
export type HandlerFor<TContract extends ProcedureContract> = (opts: {
  readonly input: z.output<TContract['input']>;
  readonly ctx: ContextFor<TContract>;
}) => Promise<z.input<TContract['output']>>;

/** Exactly one handler per contract, shaped like the contract tree: a missing or extra one is a type error. */
export type HandlersFor<TTree extends ContractTree> = {
  readonly [K in keyof TTree]: TTree[K] extends ProcedureContract
    ? HandlerFor<TTree[K]>
    : TTree[K] extends ContractTree
      ? HandlersFor<TTree[K]>
      : never;
};

/** The tRPC procedure types a contract tree becomes, so clients infer inputs and outputs. */
export type RouterRecordFor<TTree extends ContractTree> = {
  [K in keyof TTree]: TTree[K] extends ProcedureContract<'query', infer TInput, infer TOutput>
    ? TRPCQueryProcedure<{ input: z.input<TInput>; output: z.output<TOutput>; meta: ProcedureMeta }>
    : TTree[K] extends ProcedureContract<'mutation', infer TInput, infer TOutput>
      ? TRPCMutationProcedure<{ input: z.input<TInput>; output: z.output<TOutput>; meta: ProcedureMeta }>
      : TTree[K] extends ContractTree
        ? RouterRecordFor<TTree[K]>
        : never;
};

/**
 * The procedure builder for one contract: the contract as its meta, and no
 * middleware. Every check the contract demands (query credentials,
 * enumeration, auth first so an anonymous caller learns nothing about the
 * input shape, rate limit, input and output validation, metrics, the 503
 * for a store outage) runs in its resolver (contract-resolver.ts), in one
 * tRPC step instead of one step per check.
 */
export function procedureFor(contract: ProcedureContract) {
  return t.procedure.meta({ contract });
}

/** A procedure's contract resolver, called with what tRPC would hand it. */
export type SoleResolver = (options: ResolverOptions) => Promise<unknown>;

const soleResolvers = new WeakMap<object, SoleResolver>();

/**
 * The contract resolver of a procedure whose tRPC middleware chain is that resolver alone, for the fast
 * lane to call without tRPC's chain (an options object copied per step and two more awaits: about a
 * tenth of a users.me's CPU). Undefined for any procedure that has middleware of its own (someone added
 * a `.use()` to procedureFor): tRPC's own caller then runs its chain, so nothing is ever skipped.
 */
export function soleResolverOf(procedure: object): SoleResolver | undefined {
  // tRPC's types leave out the chain; at run time it is there, ending in the resolver's own step.
  const chain = (procedure as { readonly _def?: { readonly middlewares?: readonly unknown[] } })._def?.middlewares;
  return chain?.length === 1 ? soleResolvers.get(procedure) : undefined;
}

/**
 * Builds the router from the contracts and their handlers. The runtime walk
 * cannot carry per-key types, so the result is typed by RouterRecordFor: the
 * one place where the contract types meet tRPC's, checked by type tests.
 */
export function buildRouter<TTree extends ContractTree>(
  contracts: TTree,
  handlers: HandlersFor<TTree>,
) {
  return t.router(buildRecord(contracts, handlers as object, '') as RouterRecordFor<TTree>);
}

function buildRecord(tree: ContractTree, handlers: object, prefix: string) {
  const record: Record<string, unknown> = {};
  for (const [segment, node] of Object.entries(tree)) {
    const path = prefix === '' ? segment : `${prefix}.${segment}`;
    const handler: unknown = (handlers as Record<string, unknown>)[segment];
    if (isProcedureContract(node)) {
      if (typeof handler !== 'function') throw new Error(`No handler for procedure ${path}`);
      const builder = procedureFor(node);
      // tRPC passes the resolver the call's options, getRawInput among them; its type leaves that out.
      const resolve = contractResolver(node, handler as AnyHandler);
      const built = node.kind === 'query' ? builder.query(resolve as (opts: unknown) => Promise<unknown>) : builder.mutation(resolve as (opts: unknown) => Promise<unknown>);
      soleResolvers.set(built, resolve);
      record[segment] = built;
    } else {
      if (typeof handler !== 'object' || handler === null) throw new Error(`No handlers for ${path}`);
      record[segment] = buildRecord(node, handler, path);
    }
  }
  return record;
}

import type {
  AnyTRPCRouter,
  TRPCBuiltRouter,
  TRPCDefaultErrorShape,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from '@trpc/server';
import type { z } from 'zod';
import type { Contracts } from '../contracts.js';
import type { ContractTree, ProcedureContract } from '../define-procedure.js';
import type { ErrorData } from '../errors.js';

/** What every procedure of a contract router carries as tRPC `meta`: the contract it was built from. */
export interface ContractProcedureMeta {
  readonly contract: ProcedureContract;
}

/** The error shape of every Gatehouse answer: tRPC's, with the contracts' wire data (docs/wire-protocol.md, "Errors"). */
export interface GatehouseErrorShape extends Omit<TRPCDefaultErrorShape, 'data'> {
  data: ErrorData;
}

/** The tRPC procedure types a contract tree becomes: each path's kind, zod input and zod output. */
export type ContractRouterRecord<TTree extends ContractTree, TMeta = ContractProcedureMeta> = {
  [K in keyof TTree]: TTree[K] extends ProcedureContract<'query', infer TInput, infer TOutput>
    ? TRPCQueryProcedure<{ input: z.input<TInput>; output: z.output<TOutput>; meta: TMeta }>
    : TTree[K] extends ProcedureContract<'mutation', infer TInput, infer TOutput>
      ? TRPCMutationProcedure<{ input: z.input<TInput>; output: z.output<TOutput>; meta: TMeta }>
      : TTree[K] extends ContractTree
        ? ContractRouterRecord<TTree[K], TMeta>
        : never;
};

/**
 * The tRPC router type of a contract tree, derived from the contracts alone:
 * what a client needs to be typed end to end, with no server code or server
 * dependency in sight. The server checks at compile time that the router it
 * serves has exactly these procedure types ({@link RouterMatchesContracts}).
 */
export type ContractRouter<TTree extends ContractTree> = TRPCBuiltRouter<
  { ctx: object; meta: ContractProcedureMeta; errorShape: GatehouseErrorShape; transformer: false },
  ContractRouterRecord<TTree>
>;

/** Gatehouse's API as a tRPC router type, for `createTRPCClient<GatehouseRouter>` and tRPC integrations. */
export type GatehouseRouter = ContractRouter<Contracts>;

/** A router's procedures reduced to what a client can observe: kind, input and output per path. */
export type RouterSignature<TRouter extends AnyTRPCRouter> = RecordSignature<TRouter['_def']['record']>;

type RecordSignature<TRecord> = {
  [K in keyof TRecord]: TRecord[K] extends { _def: { type: infer TKind; $types: { input: infer TInput; output: infer TOutput } } }
    ? { kind: TKind; input: TInput; output: TOutput }
    : RecordSignature<TRecord[K]>;
};

/** Exact type equality (not mere assignability), so an extra optional field or a widened output counts. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * `true` when `TRouter` serves exactly the procedures of `TTree` (same paths,
 * kinds, inputs and outputs) with Gatehouse's error shape; `false` otherwise.
 * Use as `const check: RouterMatchesContracts<typeof router, Contracts> = true`.
 */
export type RouterMatchesContracts<TRouter extends AnyTRPCRouter, TTree extends ContractTree> =
  Equals<RouterSignature<TRouter>, RouterSignature<ContractRouter<TTree>>> extends true
    ? Equals<TRouter['_def']['_config']['$types']['errorShape'], GatehouseErrorShape>
    : false;

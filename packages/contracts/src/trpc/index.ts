/**
 * `@gatehouse/contracts/trpc`: the contracts as tRPC types. Type-only, and the
 * one part of this package that needs `@trpc/server` (an optional peer
 * dependency): the main entry stays zod-only and runs anywhere.
 */
export type {
  ContractProcedureMeta,
  ContractRouter,
  ContractRouterRecord,
  Equals,
  GatehouseErrorShape,
  GatehouseRouter,
  RouterMatchesContracts,
  RouterSignature,
} from './contract-router.js';

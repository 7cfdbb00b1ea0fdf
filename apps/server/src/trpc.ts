import type { ProcedureContract } from '@gatehouse/contracts';
import { initTRPC } from '@trpc/server';
import { formatError } from './errors/format-error.js';
import type { RequestContext } from './context.js';

/** What every procedure carries: the contract it was built from. */
export interface ProcedureMeta {
  readonly contract: ProcedureContract;
}

/**
 * The one tRPC instance. `isDev: false` because no response ever carries a
 * stack trace (docs/wire-protocol.md), in development either: stacks go to the log.
 */
export const t = initTRPC
  .context<RequestContext>()
  .meta<ProcedureMeta>()
  .create({ isDev: false, errorFormatter: formatError });

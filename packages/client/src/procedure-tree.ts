import { contracts, isProcedureContract, isPublic, type ContractTree, type Scope } from '@gatehouse/contracts';
import type { GatehouseRouter } from '@gatehouse/contracts/trpc';
import type { TRPCRequestOptions, TRPCUntypedClient } from '@trpc/client';
import { isGatehouseError, preflightForbidden } from './errors.js';

/** The scopes a bound client holds right now (they may narrow once a token says what was granted); undefined when unbound. */
export type HeldScopes = () => readonly Scope[] | undefined;

/**
 * The runtime side of GatehouseProcedures: one frozen object per contract
 * path, with `query`/`safeQuery` or `mutate`/`safeMutate`. A bound client
 * refuses a call outside its scopes before sending it (a ForbiddenError with
 * `preflight: true`); the types already make such a call a compile error,
 * so this is for callers that went around them (plain JavaScript, casts).
 */
export function createProcedureTree(untyped: TRPCUntypedClient<GatehouseRouter>, held: HeldScopes): object {
  return build(contracts, '');

  function build(tree: ContractTree, prefix: string): object {
    const node: Record<string, object> = {};
    for (const [segment, entry] of Object.entries(tree)) {
      const path = prefix === '' ? segment : `${prefix}.${segment}`;
      node[segment] = isProcedureContract(entry) ? procedure(path, entry.kind, isPublic(entry.auth) ? [] : entry.auth.scopes) : build(entry, path);
    }
    return Object.freeze(node);
  }

  function procedure(path: string, kind: 'query' | 'mutation', required: readonly Scope[]): object {
    const call = (input?: unknown, options?: TRPCRequestOptions): Promise<unknown> => {
      const scopes = held();
      if (scopes !== undefined) {
        const missing = required.filter((scope) => !scopes.includes(scope));
        if (missing.length > 0) return Promise.reject(preflightForbidden(path, required, missing));
      }
      return kind === 'query' ? untyped.query(path, input, options) : untyped.mutation(path, input, options);
    };
    // Answers of the server (and pre-flight refusals) become results; a network failure still rejects.
    const safe = (input?: unknown, options?: TRPCRequestOptions) =>
      call(input, options).then(
        (data) => ({ ok: true as const, data }),
        (error: unknown) => {
          if (isGatehouseError(error)) return { ok: false as const, error };
          throw error;
        },
      );
    return Object.freeze(kind === 'query' ? { query: call, safeQuery: safe } : { mutate: call, safeMutate: safe });
  }
}

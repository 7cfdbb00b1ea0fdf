import type { ProcedureContract } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { getParseFn } from '@trpc/server/unstable-core-do-not-import';

type AnyHandler = (opts: { input: unknown; ctx: never }) => Promise<unknown>;

/** What tRPC hands a procedure's resolver: its context and the lazy raw input. */
export interface ResolverOptions {
  readonly ctx: unknown;
  readonly getRawInput: () => Promise<unknown>;
}

/**
 * A contract's handler with its input parsed before and its output parsed
 * after, exactly as tRPC's `.input()` and `.output()` middlewares do it
 * (@trpc/server 11.25 createInputMiddleware / createOutputMiddleware): the
 * same parse function (getParseFn), BAD_REQUEST with the schema error as
 * cause for bad input, INTERNAL_SERVER_ERROR "Output validation failed" for
 * bad output. Done inside the resolver because each tRPC middleware step
 * copies the call's options twice (about 12 µs a step on the hot path).
 */
export function validatedResolver(contract: ProcedureContract, handler: AnyHandler) {
  const parseInput = getParseFn(contract.input);
  const parseOutput = getParseFn(contract.output);
  return async function resolveValidated({ ctx, getRawInput }: ResolverOptions): Promise<unknown> {
    // A body that is not JSON fails inside getRawInput, as its own BAD_REQUEST: outside the try, as in tRPC.
    const rawInput = await getRawInput();
    let input: unknown;
    try {
      input = await parseInput(rawInput);
    } catch (cause) {
      throw new TRPCError({ code: 'BAD_REQUEST', cause });
    }
    const output = await handler({ input, ctx: ctx as never });
    try {
      return await parseOutput(output);
    } catch (cause) {
      throw new TRPCError({ message: 'Output validation failed', code: 'INTERNAL_SERVER_ERROR', cause });
    }
  };
}

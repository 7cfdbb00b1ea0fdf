import { performance } from 'node:perf_hooks';
import type { ProcedureContract } from '@gatehouse/contracts';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { getParseFn } from '@trpc/server/unstable-core-do-not-import';
import { recordEnumerationMiss, refuseEnumerationBlock, type EnumerationSubjects } from '../abuse/refuse-enumeration-block.js';
import { failAuth } from '../errors/auth-failure-error.js';
import type { Principal } from '../auth/principal.js';
import { refuseQueryCredential } from '../auth/refuse-query-credential.js';
import { authorize } from '../auth/authorize.js';
import { admittedContext, type RequestContext } from '../context.js';
import { storeUnavailableAnswer } from '../errors/store-unavailable-error.js';
import { recordCallOutcome } from '../metrics/record-call-outcome.js';
import { policyGateFor, type CallPolicyGate } from '../policies/policy-gate.js';
import { chargeRateLimit } from '../ratelimit/charge-rate-limit.js';

export type AnyHandler = (opts: { input: unknown; ctx: never }) => Promise<unknown>;

/** What tRPC hands a procedure's resolver: its context, its path and the lazy raw input. */
export interface ResolverOptions {
  readonly ctx: unknown;
  readonly path: string;
  readonly getRawInput: () => Promise<unknown>;
}

/**
 * Everything a contract demands of a call, in the procedure's resolver, in
 * this order:
 *
 * 1. refuseQueryCredential: a credential in the URL is a 400 before anything;
 * 2. id lookups only: refuseEnumerationBlock (429 under a block), and every
 *    NOT_FOUND or FORBIDDEN answer after it counted towards one;
 * 3. authentication (401) unless the contract is public: a failed
 *    credential is charged to the IP's failed-auth budget, never to the
 *    procedure's (there is no principal to charge);
 * 4. chargeRateLimit unless the contract declares `rateLimit: 'none'`;
 * 5. authorize (403) unless the contract is public: after the charge, so a
 *    denied call costs the principal its budget (and the IP its budget of
 *    denials), and a flood of them ends in 429s;
 * 6. the input parsed with the contract's schema (400), the handler, the
 *    output parsed (500 "Output validation failed"); a contract naming a
 *    policy hands the handler `ctx.policy`, and a handler that answers
 *    without passing its record through it gets a 500 instead (fail closed);
 *
 * and around all of it, the call counted and timed by outcome, and a store
 * failure answered as 503 instead of 500. Which steps a contract needs is
 * decided here once, when the router is built.
 *
 * Why one resolver and no tRPC middleware: each middleware step copies the
 * call's options twice, and the context once more when it passes one on,
 * with the Babel-style spread helper tRPC ships (about 15 µs a step on the
 * protected hot path, the largest cost left after HTTP). The checks are the
 * same functions the middlewares ran, and the outcomes tRPC sees are the
 * same: a throw here becomes the call's error exactly as a throw in a
 * middleware did. Input and output are parsed as tRPC's `.input()` and
 * `.output()` do (getParseFn, the same codes and messages).
 */
export function contractResolver(contract: ProcedureContract, handler: AnyHandler) {
  const requirement = contract.auth;
  const policyName = requirement === 'public' ? undefined : requirement.policy;
  const limited = contract.rateLimit !== 'none';
  const idLookup = contract.idLookup === true;
  const parseInput = getParseFn(contract.input);
  const parseOutput = getParseFn(contract.output);

  async function runChecksAndHandler(ctx: RequestContext, path: string, getRawInput: () => Promise<unknown>): Promise<unknown> {
    const authenticated = requirement === 'public' ? undefined : ((await ctx.authenticate()) ?? failAuth('missing_credentials'));
    if (limited) await chargeRateLimit(ctx, contract, authenticated, path);
    const principal: Principal | undefined = requirement === 'public' ? undefined : await authorize(ctx, requirement, path);
    // A body that is not JSON fails inside getRawInput, as its own BAD_REQUEST: outside the try, as in tRPC.
    const rawInput = await getRawInput();
    let input: unknown;
    try {
      input = await parseInput(rawInput);
    } catch (cause) {
      throw new TRPCError({ code: 'BAD_REQUEST', cause });
    }
    // Handlers of protected contracts see the principal the requirement admitted (ContextFor in build-router.ts).
    let handlerCtx: RequestContext = ctx;
    let gate: Pick<CallPolicyGate<unknown>, 'assertConsulted'> | undefined;
    if (principal !== undefined) {
      const authenticatedCtx = admittedContext(ctx, principal);
      handlerCtx = authenticatedCtx;
      if (policyName !== undefined) {
        const policy = policyGateFor(authenticatedCtx, policyName, path);
        gate = policy;
        handlerCtx = admittedContext(ctx, principal, policy);
      }
    }
    const output = await handler({ input, ctx: handlerCtx as never });
    gate?.assertConsulted();
    try {
      return await parseOutput(output);
    } catch (cause) {
      throw new TRPCError({ message: 'Output validation failed', code: 'INTERNAL_SERVER_ERROR', cause });
    }
  }

  async function runIdLookup(ctx: RequestContext, path: string, getRawInput: () => Promise<unknown>): Promise<unknown> {
    const subjects: EnumerationSubjects = await refuseEnumerationBlock(ctx);
    try {
      return await runChecksAndHandler(ctx, path, getRawInput);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      await recordEnumerationMiss(ctx, subjects, path, error);
      throw error;
    }
  }

  return async function resolveContract({ ctx: callCtx, path, getRawInput }: ResolverOptions): Promise<unknown> {
    const ctx = callCtx as RequestContext;
    const started = performance.now();
    try {
      refuseQueryCredential(ctx);
      const data = await (idLookup ? runIdLookup(ctx, path, getRawInput) : runChecksAndHandler(ctx, path, getRawInput));
      recordCallOutcome(ctx.deps.metrics, path, SUCCEEDED, started);
      return data;
    } catch (cause) {
      // The outcome is recorded and translated, then thrown on: tRPC turns it into the call's error as before.
      const failed = { ok: false, error: getTRPCErrorFromUnknown(cause) } as const;
      recordCallOutcome(ctx.deps.metrics, path, failed, started);
      throw storeUnavailableAnswer(failed) ?? failed.error;
    }
  };
}

const SUCCEEDED = { ok: true } as const;

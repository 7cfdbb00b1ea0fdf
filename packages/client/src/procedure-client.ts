import type {
  Contracts,
  ContractTree,
  ProcedureContract,
  ProtectedAccess,
  RateLimitPolicyNameOf,
  RequiredScopesOf,
  Scope,
  StepUpRequirement,
} from '@gatehouse/contracts';
import type { TRPCRequestOptions } from '@trpc/client';
import type { z } from 'zod';
import type {
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  ServiceUnavailableError,
  StepUpRequiredError,
  UnauthorizedError,
  ValidationError,
} from './errors.js';

/** The result form of a call: the data, or the typed error the server (or a bound client) answered with. */
export type CallResult<TData, TError> = { readonly ok: true; readonly data: TData } | { readonly ok: false; readonly error: TError };

/**
 * Public procedures that authenticate by their input: a wrong password or refresh token is a 401
 * (auth.logout proves its session by an access token or, once that expired, by the refresh token,
 * and refuses principals without a user with 403 forbidden_role).
 */
type AuthenticatingPath = 'auth.login' | 'auth.refresh' | 'auth.logout';

/**
 * The scopes a 403 of this procedure can name: its own required scopes, or
 * for a procedure that grants scopes by its input (apiKeys.create), any
 * scope the caller asked for.
 */
type ForbiddenScopesOf<TContract extends ProcedureContract> =
  z.input<TContract['input']> extends { readonly scopes: readonly Scope[] } ? Scope : RequiredScopesOf<TContract['auth']>;

/** The step-up refusal a procedure can answer: only one whose contract declares `stepUp`, with its own acr. */
type StepUpErrorOf<TContract extends ProcedureContract> = TContract['auth'] extends { readonly stepUp: infer TStepUp extends StepUpRequirement }
  ? StepUpRequiredError<TStepUp extends { readonly acr: infer TAcr extends 'mfa' } ? TAcr : never>
  : never;

/** Procedures that look a record up (by id, or the caller's own): they can answer 404. */
type CanBeNotFound<TContract extends ProcedureContract> = TContract['idLookup'] extends true
  ? true
  : NonNullable<z.input<TContract['input']>> extends { readonly id: string } | { readonly userId: string }
    ? true
    : TContract['auth'] extends { readonly subject: 'user' }
      ? true
      : false;

/**
 * Every error a call of one procedure can end in, from its contract:
 * validation and rate limits (with that procedure's policy names) always;
 * 401 and a 403 naming its own scopes when it is protected; the step-up 401
 * when its contract declares one; 404 for lookups;
 * 503 and the remaining server errors (409, 500) for any call.
 */
export type ProcedureError<TContract extends ProcedureContract, TPath extends string = string> =
  | ValidationError
  | RateLimitedError<RateLimitPolicyNameOf<TContract, TPath>>
  | ServiceUnavailableError
  | ServerError
  | (TContract['auth'] extends ProtectedAccess
      ? UnauthorizedError | ForbiddenError<ForbiddenScopesOf<TContract>>
      : TPath extends AuthenticatingPath
        ? UnauthorizedError | ForbiddenError<never>
        : never)
  | StepUpErrorOf<TContract>
  | (CanBeNotFound<TContract> extends true ? NotFoundError : never);

type InputArgs<TContract extends ProcedureContract> =
  undefined extends z.input<TContract['input']>
    ? [input?: z.input<TContract['input']>, options?: TRPCRequestOptions]
    : [input: z.input<TContract['input']>, options?: TRPCRequestOptions];

/**
 * apiKeys.create: the key it returns holds exactly scopes that were asked
 * for, so the response keeps their literal type and can bind a client
 * (`createGatehouseClient({ url, apiKey: created })`).
 */
interface GrantingMutation<TContract extends ProcedureContract, TPath extends string> {
  mutate<const TScopes extends readonly Scope[]>(
    input: z.input<TContract['input']> & { readonly scopes: TScopes },
    options?: TRPCRequestOptions,
  ): Promise<Omit<z.output<TContract['output']>, 'scopes'> & { scopes: Array<TScopes[number]> }>;
  safeMutate<const TScopes extends readonly Scope[]>(
    input: z.input<TContract['input']> & { readonly scopes: TScopes },
    options?: TRPCRequestOptions,
  ): Promise<CallResult<Omit<z.output<TContract['output']>, 'scopes'> & { scopes: Array<TScopes[number]> }, ProcedureError<TContract, TPath>>>;
}

/** A query: `query` throws the typed error, `safeQuery` returns it. */
export interface QueryClient<TContract extends ProcedureContract, TPath extends string> {
  query(...args: InputArgs<TContract>): Promise<z.output<TContract['output']>>;
  safeQuery(...args: InputArgs<TContract>): Promise<CallResult<z.output<TContract['output']>, ProcedureError<TContract, TPath>>>;
}

/** A mutation: `mutate` throws the typed error, `safeMutate` returns it. */
export interface MutationClient<TContract extends ProcedureContract, TPath extends string> {
  mutate(...args: InputArgs<TContract>): Promise<z.output<TContract['output']>>;
  safeMutate(...args: InputArgs<TContract>): Promise<CallResult<z.output<TContract['output']>, ProcedureError<TContract, TPath>>>;
}

/** The client of one procedure. */
export type ProcedureClient<TContract extends ProcedureContract, TPath extends string> = TContract['kind'] extends 'query'
  ? QueryClient<TContract, TPath>
  : z.input<TContract['input']> extends { readonly scopes: readonly Scope[] }
    ? z.output<TContract['output']> extends { readonly scopes: readonly Scope[] }
      ? GrantingMutation<TContract, TPath>
      : MutationClient<TContract, TPath>
    : MutationClient<TContract, TPath>;

/**
 * What a bound client shows in place of a procedure its scopes do not cover:
 * nothing to call, and a name that says which scopes are missing, so the
 * compiler's message reads e.g.
 * `Property 'query' does not exist on type 'MissingScopes<"admin">'`.
 */
export interface MissingScopes<TMissing extends Scope> {
  readonly missingScopes: readonly TMissing[];
}

/**
 * The procedures of a contract tree for a client holding `TGranted` scopes
 * (`Scope`, every scope, for an unbound client): each one callable when its
 * required scopes are held, a {@link MissingScopes} otherwise.
 */
export type ProcedureTree<TTree extends ContractTree, TGranted extends Scope, TPrefix extends string = ''> = {
  readonly [K in keyof TTree & string]: TTree[K] extends ProcedureContract
    ? [Exclude<RequiredScopesOf<TTree[K]['auth']>, TGranted>] extends [never]
      ? ProcedureClient<TTree[K], `${TPrefix}${K}`>
      : MissingScopes<Exclude<RequiredScopesOf<TTree[K]['auth']>, TGranted>>
    : TTree[K] extends ContractTree
      ? ProcedureTree<TTree[K], TGranted, `${TPrefix}${K}.`>
      : never;
};

/** Gatehouse's procedures for a client holding `TGranted` scopes. */
export type GatehouseProcedures<TGranted extends Scope = Scope> = ProcedureTree<Contracts, TGranted>;

import { isPublic } from '../auth-requirement.js';
import { listProcedures, type ContractTree, type ProcedureContract, type ProcedureKind } from '../define-procedure.js';
import type { RateLimitKey } from '../rate-limit-policy.js';
import { POLICIES, POLICY_NAMES, type PolicyDeclaration, type PolicyName } from '../policies.js';
import { ROLE_SCOPES, ROLES, SCOPE_DESCRIPTIONS, SCOPES, type Role, type Scope } from '../scopes.js';

/**
 * Bumped when the manifest's shape changes, so tools reading it can refuse a
 * shape they do not know. 2: procedures may name a policy and pin the
 * network; a tool that reads only scopes would overstate who may call them.
 */
export const AUTHORIZATION_MANIFEST_VERSION = 2;

/** Who may call a procedure: anyone, or an authenticated principal with every scope listed (and the role, if any). */
export type ManifestAuth =
  | { readonly public: true }
  | {
      readonly public: false;
      /** Sorted by name; an empty list means any authenticated principal. */
      readonly scopes: readonly Scope[];
      /** The role the server's record of the user must have, or null for any. */
      readonly role: Role | null;
      /** `user`: principals with no user behind them (client credentials, mTLS services) are refused (`forbidden_role`). */
      readonly subject: 'user' | 'any';
      /** The resource policy checked on the record the procedure loads (see `policies`), or null for none. */
      readonly policy: PolicyName | null;
      /** Refuses an access token used from another network than the one it was issued to (401 invalid_token). */
      readonly pinNetwork: boolean;
    };

/**
 * How a procedure is rate limited. `policy` is the name a 429's
 * `data.rateLimit.policy` and the `RateLimit-Policy` header carry.
 */
export type ManifestRateLimit =
  | { readonly type: 'none' }
  /** The server's default for public (per client IP) or authenticated (per principal) procedures; its budget is configuration (GATEHOUSE_LIMIT_PUBLIC / _AUTHENTICATED). */
  | { readonly type: 'default'; readonly policy: DefaultRateLimitPolicy; readonly key: RateLimitKey }
  /** The contract's own budget, with the defaults of `RateLimitPolicy` filled in (cost 1, no block). */
  | {
      readonly type: 'declared';
      readonly policy: string;
      readonly points: number;
      readonly durationSeconds: number;
      readonly key: RateLimitKey;
      readonly blockDurationSeconds: number;
      readonly cost: number;
    };

/** Names of the server's default policies: public procedures per client IP, authenticated ones per principal (docs/rate-limits.md). */
export type DefaultRateLimitPolicy = 'public' | 'authenticated';

/** One procedure's entry: what a reviewer signs off when its authorization changes. */
export interface ManifestProcedure {
  readonly path: string;
  readonly kind: ProcedureKind;
  readonly summary: string;
  readonly auth: ManifestAuth;
  readonly rateLimit: ManifestRateLimit;
  /** Looks one record up by a caller-chosen id: counted towards enumeration detection. */
  readonly idLookup: boolean;
}

/** One scope: who may hold it and what it opens. */
export interface ManifestScope {
  readonly name: Scope;
  readonly description: string;
  /** Roles whose users may hold the scope. */
  readonly grantedToRoles: readonly Role[];
  /** Paths of the procedures that require it, sorted. */
  readonly requiredBy: readonly string[];
}

/** One resource policy: its rule in words, how a refusal answers, and who names it. */
export interface ManifestPolicy extends PolicyDeclaration {
  readonly name: PolicyName;
  /** Paths of the procedures that name it, sorted. */
  readonly requiredBy: readonly string[];
}

/** One role and the scopes its users may hold (sorted). */
export interface ManifestRole {
  readonly name: Role;
  readonly scopes: readonly Scope[];
}

/**
 * Every procedure's authorization, rate limit and id-lookup flag, as data:
 * the reviewed record of who may call what. Procedures are sorted by path and
 * scopes by name, so a diff shows only real changes; roles keep their order
 * (least to most privileged).
 */
export interface AuthorizationManifest {
  readonly manifestVersion: typeof AUTHORIZATION_MANIFEST_VERSION;
  readonly scopes: readonly ManifestScope[];
  readonly roles: readonly ManifestRole[];
  readonly policies: readonly ManifestPolicy[];
  readonly procedures: readonly ManifestProcedure[];
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Builds the authorization manifest of a contract tree. Pure and
 * deterministic: the same contracts give the same manifest, whatever their
 * declaration order.
 *
 * @example
 * ```ts
 * const manifest = buildAuthorizationManifest(contracts);
 * manifest.procedures.filter((procedure) => procedure.auth.public).map((procedure) => procedure.path);
 * // ['auth.login', 'auth.refresh', 'auth.register', 'health']
 * ```
 */
export function buildAuthorizationManifest(tree: ContractTree): AuthorizationManifest {
  const procedures = listProcedures(tree)
    .map(({ path, contract }) => describeProcedure(path, contract))
    .sort((a, b) => byCodePoint(a.path, b.path));
  const scopes = [...SCOPES].sort(byCodePoint).map(
    (scope): ManifestScope => ({
      name: scope,
      description: SCOPE_DESCRIPTIONS[scope],
      grantedToRoles: ROLES.filter((role) => ROLE_SCOPES[role].includes(scope)),
      requiredBy: procedures.filter(({ auth }) => !auth.public && auth.scopes.includes(scope)).map(({ path }) => path),
    }),
  );
  const roles = ROLES.map((role): ManifestRole => ({ name: role, scopes: [...ROLE_SCOPES[role]].sort(byCodePoint) }));
  const policies = POLICY_NAMES.map(
    (name): ManifestPolicy => ({
      name,
      ...POLICIES[name],
      requiredBy: procedures.filter(({ auth }) => !auth.public && auth.policy === name).map(({ path }) => path),
    }),
  );
  return { manifestVersion: AUTHORIZATION_MANIFEST_VERSION, scopes, roles, policies, procedures };
}

function describeProcedure(path: string, contract: ProcedureContract): ManifestProcedure {
  return {
    path,
    kind: contract.kind,
    summary: contract.summary,
    auth: describeAuth(contract),
    rateLimit: describeRateLimit(contract),
    idLookup: contract.idLookup === true,
  };
}

function describeAuth({ auth }: ProcedureContract): ManifestAuth {
  if (isPublic(auth)) return { public: true };
  return {
    public: false,
    scopes: [...auth.scopes].sort(byCodePoint),
    role: auth.role ?? null,
    subject: auth.subject ?? 'any',
    policy: auth.policy ?? null,
    pinNetwork: auth.pinNetwork === true,
  };
}

function describeRateLimit(contract: ProcedureContract): ManifestRateLimit {
  const declared = contract.rateLimit;
  if (declared === 'none') return { type: 'none' };
  if (declared === undefined) {
    return isPublic(contract.auth)
      ? { type: 'default', policy: 'public', key: 'ip' }
      : { type: 'default', policy: 'authenticated', key: 'principal' };
  }
  return {
    type: 'declared',
    policy: declared.name,
    points: declared.points,
    durationSeconds: declared.durationSeconds,
    key: declared.key,
    blockDurationSeconds: declared.blockDurationSeconds ?? 0,
    cost: declared.cost ?? 1,
  };
}

/**
 * The scope values a resource server advertises as RFC 9728
 * `scopes_supported`: every scope of the manifest.
 */
export function scopesSupported(manifest: AuthorizationManifest): Scope[] {
  return manifest.scopes.map(({ name }) => name);
}

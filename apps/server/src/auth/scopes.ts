import { ROLE_SCOPES, type Role, type Scope } from '@gatehouse/contracts';

/** Scopes in `required` that `held` lacks, in the order required lists them. */
export function missingScopes(required: readonly Scope[], held: readonly Scope[]): Scope[] {
  return required.filter((scope) => !held.includes(scope));
}

/**
 * What a token may carry: the intersection of what was asked (all the
 * subject's scopes when nothing was asked), what the client may have, and
 * what the subject holds. Order follows the subject's list, so equal grants
 * print equal `scope` strings.
 */
export function grantableScopes(input: {
  readonly requested: readonly Scope[] | undefined;
  readonly clientAllows: readonly Scope[] | undefined;
  readonly subjectHolds: readonly Scope[];
}): Scope[] {
  return input.subjectHolds.filter(
    (scope) =>
      (input.requested === undefined || input.requested.includes(scope)) &&
      (input.clientAllows === undefined || input.clientAllows.includes(scope)),
  );
}

export function scopesOfRole(role: Role): readonly Scope[] {
  return ROLE_SCOPES[role];
}

import type { Department, Region, Role } from '@gatehouse/contracts';
import type { Policy } from './policy.js';

/*
 * The building blocks policies are composed of (policy-registry.ts). Rules
 * about the caller alone take any resource (`Policy<unknown>`), so they fit
 * every policy.
 */

/**
 * A principal with no user behind it (client credentials, a service's
 * certificate) acts for the system within its scopes (docs/service-to-service.md).
 */
export const isSystemPrincipal: Policy<unknown> = ({ principal }) => principal.kind !== 'user';

/** The caller is the user `ownerOf` names: the owner, through a token or one of its API keys. */
export function ownedBy<TResource>(ownerOf: (resource: TResource) => string): Policy<TResource> {
  return ({ principal }, resource) => principal.kind === 'user' && principal.userId === ownerOf(resource);
}

/** The server's record of the caller's user has this role (never the token's claim). */
export function hasRole(role: Role): Policy<unknown> {
  return async (subject) => (await subject.user())?.role === role;
}

/** An admin has placed the caller's user in this department. */
export function inDepartment(department: Department): Policy<unknown> {
  return async (subject) => (await subject.user())?.attributes?.department === department;
}

/**
 * The caller's user works in the region the resource belongs to. A resource
 * of no region, or a user given none, never matches.
 */
export function inRegionOf<TResource>(regionOf: (resource: TResource) => Region | undefined): Policy<TResource> {
  return async (subject, resource) => {
    const region = regionOf(resource);
    return region !== undefined && (await subject.user())?.attributes?.region === region;
  };
}

import { z } from 'zod';

/** Every scope a Gatehouse credential can carry. */
export const SCOPES = [
  'users:read',
  'users:write',
  'orders:read',
  'orders:write',
  'apikeys:manage',
  'admin',
] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** Roles of user accounts, from least to most privileged. */
export const ROLES = ['user', 'admin'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** One of {@link SCOPES}, as a schema: a scope outside the list is refused. */
export const scopeSchema = z.enum(SCOPES);
/** One of {@link ROLES}, as a schema. */
export const roleSchema = z.enum(ROLES);

/**
 * The scopes a subject of each role holds. A token never carries more than the
 * intersection of what was asked, what the client may have, and this.
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  user: SCOPES.filter((scope) => scope !== 'admin'),
  admin: SCOPES,
};

/** Plain-language descriptions, shown on the OAuth consent screen. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<Scope, string>> = {
  'users:read': 'See your profile',
  'users:write': 'Change your profile',
  'orders:read': 'See your orders',
  'orders:write': 'Place orders for you',
  'apikeys:manage': 'Create and revoke API keys for your account',
  admin: 'Administer every account (admins only)',
};

/** Type guard for strings that arrive from outside (token claims, form fields). */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

import { z } from 'zod';

/** Departments an admin can place a user in; attribute-based policies read them. */
export const DEPARTMENTS = ['sales', 'support', 'engineering', 'finance'] as const;

/** One of {@link DEPARTMENTS}. */
export type Department = (typeof DEPARTMENTS)[number];

/**
 * Sales regions. An order belongs to the region of its shipping country
 * (the server's table); a country outside the table belongs to none, so a
 * region-based rule never matches it (fail closed).
 */
export const REGIONS = ['emea', 'americas', 'apac'] as const;

/** One of {@link REGIONS}. */
export type Region = (typeof REGIONS)[number];

/**
 * What an admin may say about a user beyond the role, read by the server's
 * policies (never by the token: attributes are looked up on every check, so
 * a change holds at once). Every field is optional; an absent one matches no
 * rule that asks for it.
 *
 * @example
 * ```ts
 * await client.admin.users.setAttributes.mutate({ userId, attributes: { department: 'support', region: 'emea' } });
 * ```
 */
export const userAttributesSchema = z.strictObject({
  department: z.enum(DEPARTMENTS).optional(),
  region: z.enum(REGIONS).optional(),
});

/** A user's attributes; see {@link userAttributesSchema}. */
export type UserAttributes = z.infer<typeof userAttributesSchema>;

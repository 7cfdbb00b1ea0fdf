import { z } from 'zod';
import { defineMutation, defineQuery } from '../define-procedure.js';
import { auditChainVerificationSchema, auditLogListInput, auditRecordSchema } from '../schemas/audit.js';
import { idSchema, noInput, pageInput, pageOf } from '../schemas/common.js';
import { publicUserSchema, userWithAttributesSchema } from '../schemas/user.js';
import { userAttributesSchema } from '../schemas/user-attributes.js';
import { roleSchema } from '../scopes.js';
import { ADMIN_ACCESS, withRecentSignIn, type AdminAccess } from './admin-access.js';
import { defineAdminApiKeysContracts } from './admin-api-keys.js';
import { defineAdminSessionsContracts } from './admin-sessions.js';

/**
 * The admin procedures, every one behind `access`: the contracts use
 * ADMIN_ACCESS, and a variant (a second factor for every admin call) is that
 * one declaration changed.
 */
export function defineAdminContracts<const TAccess extends AdminAccess>(access: TAccess) {
  return {
    users: {
      list: defineQuery({
        summary: 'Every user account, oldest first',
        input: pageInput,
        output: pageOf(publicUserSchema),
        auth: access,
      }),
      setRole: defineMutation({
        summary: 'Changes a user’s role; needs a sign-in in the last five minutes',
        input: z.strictObject({ userId: idSchema, role: roleSchema }),
        output: publicUserSchema,
        auth: withRecentSignIn(access),
      }),
      setAttributes: defineMutation({
        summary: 'Replaces a user’s attributes (department, region), which policies read; audited as user.attributes_changed',
        input: z.strictObject({ userId: idSchema, attributes: userAttributesSchema }),
        output: userWithAttributesSchema,
        auth: access,
      }),
    },
    auditLog: {
      list: defineQuery({
        summary: 'Security events, newest first, optionally of one type or one principal',
        input: auditLogListInput,
        output: pageOf(auditRecordSchema),
        auth: access,
      }),
      verify: defineQuery({
        summary: 'Recomputes the audit log’s hash chain and reports the first record that does not hold',
        input: noInput,
        output: auditChainVerificationSchema,
        auth: access,
      }),
    },
    sessions: defineAdminSessionsContracts(access),
    apiKeys: defineAdminApiKeysContracts(access),
  };
}

export const adminContracts = defineAdminContracts(ADMIN_ACCESS);

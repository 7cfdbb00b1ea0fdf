import { z } from 'zod';
import { defineMutation, defineQuery } from '../define-procedure.js';
import { auditChainVerificationSchema, auditLogListInput, auditRecordSchema } from '../schemas/audit.js';
import { idSchema, noInput, pageInput, pageOf } from '../schemas/common.js';
import { publicUserSchema, userWithAttributesSchema } from '../schemas/user.js';
import { userAttributesSchema } from '../schemas/user-attributes.js';
import { roleSchema } from '../scopes.js';
import { adminApiKeysContracts } from './admin-api-keys.js';
import { adminSessionsContracts } from './admin-sessions.js';
import { RECENT_SIGN_IN_SECONDS } from './recent-sign-in.js';

export const adminContracts = {
  users: {
    list: defineQuery({
      summary: 'Every user account, oldest first',
      input: pageInput,
      output: pageOf(publicUserSchema),
      auth: { scopes: ['admin'], role: 'admin' },
    }),
    setRole: defineMutation({
      summary: 'Changes a user’s role; needs a sign-in in the last five minutes',
      input: z.strictObject({ userId: idSchema, role: roleSchema }),
      output: publicUserSchema,
      auth: { scopes: ['admin'], role: 'admin', stepUp: { maxAgeSeconds: RECENT_SIGN_IN_SECONDS } },
    }),
    setAttributes: defineMutation({
      summary: 'Replaces a user’s attributes (department, region), which policies read; audited as user.attributes_changed',
      input: z.strictObject({ userId: idSchema, attributes: userAttributesSchema }),
      output: userWithAttributesSchema,
      auth: { scopes: ['admin'], role: 'admin' },
    }),
  },
  auditLog: {
    list: defineQuery({
      summary: 'Security events, newest first, optionally of one type or one principal',
      input: auditLogListInput,
      output: pageOf(auditRecordSchema),
      auth: { scopes: ['admin'], role: 'admin' },
    }),
    verify: defineQuery({
      summary: 'Recomputes the audit log’s hash chain and reports the first record that does not hold',
      input: noInput,
      output: auditChainVerificationSchema,
      auth: { scopes: ['admin'], role: 'admin' },
    }),
  },
  sessions: adminSessionsContracts,
  apiKeys: adminApiKeysContracts,
};

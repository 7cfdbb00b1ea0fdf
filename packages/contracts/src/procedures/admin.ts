import { z } from 'zod';
import { defineMutation, defineQuery } from '../define-procedure.js';
import { idSchema, pageInput, pageOf } from '../schemas/common.js';
import { publicUserSchema } from '../schemas/user.js';
import { roleSchema } from '../scopes.js';
import { adminSessionsContracts } from './admin-sessions.js';

export const adminContracts = {
  users: {
    list: defineQuery({
      summary: 'Every user account, oldest first',
      input: pageInput,
      output: pageOf(publicUserSchema),
      auth: { scopes: ['admin'], role: 'admin' },
    }),
    setRole: defineMutation({
      summary: 'Changes a user’s role',
      input: z.strictObject({ userId: idSchema, role: roleSchema }),
      output: publicUserSchema,
      auth: { scopes: ['admin'], role: 'admin' },
    }),
  },
  sessions: adminSessionsContracts,
};

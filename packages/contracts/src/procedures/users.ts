import { z } from 'zod';
import { defineMutation, defineQuery } from '../define-procedure.js';
import { byIdInput, noInput } from '../schemas/common.js';
import { displayNameSchema, publicUserSchema } from '../schemas/user.js';

export const usersContracts = {
  me: defineQuery({
    summary: 'The caller’s own account',
    input: noInput,
    output: publicUserSchema,
    auth: { scopes: ['users:read'], subject: 'user' },
  }),
  byId: defineQuery({
    summary: 'One user: the caller’s own record, or any record for admins',
    input: byIdInput,
    output: publicUserSchema,
    auth: { scopes: ['users:read'], policy: 'user.readable' },
    idLookup: true,
  }),
  update: defineMutation({
    summary: 'Changes the caller’s own display name (nothing else is updatable)',
    input: z.strictObject({ name: displayNameSchema }),
    output: publicUserSchema,
    auth: { scopes: ['users:write'], subject: 'user' },
  }),
};

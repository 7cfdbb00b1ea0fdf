import { z } from 'zod';
import { defineMutation } from '../define-procedure.js';
import { revokeAllOutput } from '../schemas/auth.js';
import { idSchema } from '../schemas/common.js';

/** Session administration: ending a user's logins, e.g. after a stolen laptop. */
export const adminSessionsContracts = {
  revokeAll: defineMutation({
    summary: 'Revokes every refresh-token family and every live access token of a user',
    input: z.strictObject({ userId: idSchema }),
    output: revokeAllOutput,
    auth: { scopes: ['admin'], role: 'admin' },
  }),
};

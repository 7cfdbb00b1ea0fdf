import { z } from 'zod';
import { defineMutation } from '../define-procedure.js';
import { revokeUserAccessOutput } from '../schemas/api-key.js';
import { idSchema } from '../schemas/common.js';
import { withRecentSignIn, type AdminAccess } from './admin-access.js';

/** Session administration: ending a user's logins and keys, e.g. after a stolen laptop. */
export function defineAdminSessionsContracts<const TAccess extends AdminAccess>(access: TAccess) {
  return {
    revokeAll: defineMutation({
      summary: 'Revokes every refresh-token family, every live access token and every API key of a user; needs a sign-in in the last five minutes',
      input: z.strictObject({ userId: idSchema }),
      output: revokeUserAccessOutput,
      auth: withRecentSignIn(access),
    }),
  };
}

import { defineMutation } from '../define-procedure.js';
import { loginInput, refreshInput, registerInput, tokenGrantSchema } from '../schemas/auth.js';
import { noInput, okOutput } from '../schemas/common.js';
import { publicUserSchema } from '../schemas/user.js';

export const authContracts = {
  register: defineMutation({
    summary: 'Creates a user account with the user role',
    input: registerInput,
    output: publicUserSchema,
    auth: 'public',
    rateLimit: { name: 'auth.register', points: 10, durationSeconds: 3600, key: 'ip' },
  }),
  login: defineMutation({
    summary: 'Exchanges email and password for an access token',
    input: loginInput,
    output: tokenGrantSchema,
    auth: 'public',
  }),
  refresh: defineMutation({
    summary:
      'Exchanges a refresh token (body, or the HttpOnly cookie plus the X-Gatehouse-CSRF header) for a new access token and a new refresh token; the old one is spent, and a spent one presented again revokes its whole family',
    input: refreshInput,
    output: tokenGrantSchema,
    auth: 'public',
  }),
  logout: defineMutation({
    summary: 'Ends the caller’s session: revokes its refresh-token family and the presented access token, and clears the refresh cookie',
    input: noInput,
    output: okOutput,
    auth: { scopes: [], subject: 'user' },
  }),
};

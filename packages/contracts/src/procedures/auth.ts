import { defineMutation } from '../define-procedure.js';
import { loginInput, registerInput, tokenGrantSchema } from '../schemas/auth.js';
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
};

import { defineMutation } from '../define-procedure.js';
import { loginInput, logoutInput, refreshInput, registerInput, tokenGrantSchema } from '../schemas/auth.js';
import { noInput, okOutput } from '../schemas/common.js';
import { confirmSecondFactorInput, loginOutput, loginSecondFactorInput, secondFactorEnrolmentSchema } from '../schemas/second-factor.js';
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
    summary:
      'Exchanges email and password for an access token (acr pwd); for a user with a second factor, for a short-lived challenge that auth.loginSecondFactor completes',
    input: loginInput,
    output: loginOutput,
    auth: 'public',
  }),
  loginSecondFactor: defineMutation({
    summary:
      'Completes a sign-in with a second factor: the challenge of auth.login and a TOTP or recovery code give an access token with acr mfa; wrong codes spend the user’s second-factor budget',
    input: loginSecondFactorInput,
    output: tokenGrantSchema,
    auth: 'public',
  }),
  secondFactor: {
    enrol: defineMutation({
      summary:
        'Starts TOTP enrolment: returns the secret, its otpauth URI and recovery codes, shown this once; replaces an enrolment not yet confirmed',
      input: noInput,
      output: secondFactorEnrolmentSchema,
      auth: { scopes: ['users:write'], subject: 'user' },
    }),
    confirm: defineMutation({
      summary: 'Confirms a TOTP enrolment with a first code from the app; from then on sign-in asks for a code',
      input: confirmSecondFactorInput,
      output: okOutput,
      auth: { scopes: ['users:write'], subject: 'user' },
    }),
    remove: defineMutation({
      summary: 'Removes the caller’s second factor; needs a sign-in made with it (acr mfa)',
      input: noInput,
      output: okOutput,
      auth: { scopes: ['users:write'], subject: 'user', stepUp: { acr: 'mfa' } },
    }),
  },
  refresh: defineMutation({
    summary:
      'Exchanges a refresh token (body, or the HttpOnly cookie plus the X-Gatehouse-CSRF header) for a new access token and a new refresh token; the old one is spent, and a spent one presented again revokes its whole family',
    input: refreshInput,
    output: tokenGrantSchema,
    auth: 'public',
  }),
  logout: defineMutation({
    summary:
      'Ends the caller’s session: revokes its refresh-token family and the presented access token, and clears the refresh cookie. The session is proven by a valid access token, or by its refresh token (body, or the HttpOnly cookie plus the X-Gatehouse-CSRF header) when the access token has expired',
    input: logoutInput,
    output: okOutput,
    // Public so that an expired access token does not stop a logout that proves the session by its refresh token;
    // the handler still refuses a call that proves no session (401) and principals with no user (403 forbidden_role).
    auth: 'public',
  }),
};

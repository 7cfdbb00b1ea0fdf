import { z } from 'zod';
import { displayNameSchema, emailSchema, loginPasswordSchema, newPasswordSchema, passwordEqualsEmail, publicUserSchema } from './user.js';

/**
 * Where auth.login puts the refresh token: `body` (the default; native apps,
 * services, the Node client) returns it as `refreshToken`; `cookie` (browsers)
 * sets it as an HttpOnly cookie instead, out of reach of page scripts.
 */
export const REFRESH_TOKEN_DELIVERIES = ['body', 'cookie'] as const;

/**
 * The input of auth.register: a new account with the `user` role. The password
 * must meet the password policy and may not be the email address.
 */
export const registerInput = z
  .strictObject({
    email: emailSchema,
    password: newPasswordSchema,
    name: displayNameSchema,
  })
  .refine((input) => !passwordEqualsEmail(input.password, input.email), {
    path: ['password'],
    message: 'A password cannot be the account’s email address',
  });

/**
 * The input of auth.login. A wrong email and a wrong password are refused
 * alike (401 `invalid_credentials`).
 *
 * @example
 * ```ts
 * const grant = await gatehouse.auth.login.mutate({ email, password, refreshTokenDelivery: 'cookie' });
 * ```
 */
export const loginInput = z.strictObject({
  email: emailSchema,
  password: loginPasswordSchema,
  refreshTokenDelivery: z.enum(REFRESH_TOKEN_DELIVERIES).optional(),
});

/** What a successful login or refresh returns (OAuth 2.0 token response vocabulary). */
export const tokenGrantSchema = z.object({
  accessToken: z.string(),
  /** `DPoP` when the request carried a DPoP proof: the token is bound to its key (RFC 9449) and must be sent as `Authorization: DPoP`. */
  tokenType: z.enum(['Bearer', 'DPoP']),
  expiresIn: z.number().int().positive(),
  scope: z.string(),
  refreshToken: z.string().optional(),
  user: publicUserSchema,
});

/** What auth.login and auth.refresh return; see {@link tokenGrantSchema}. */
export type TokenGrant = z.infer<typeof tokenGrantSchema>;

/**
 * The input of auth.refresh: the refresh token in the body (native and
 * service clients), or nothing, in which case the server reads its HttpOnly
 * cookie and requires the `X-Gatehouse-CSRF` header ({@link CSRF_HEADER}).
 */
export const refreshInput = z
  .strictObject({
    refreshToken: z.string().min(1).max(512).optional(),
  })
  .optional();

/**
 * The input of auth.logout: nothing (the access token's session is ended),
 * or the refresh token, which proves the session even when the access token
 * has expired. In cookie mode the HttpOnly cookie plus the `X-Gatehouse-CSRF`
 * header is that proof.
 */
export const logoutInput = z
  .strictObject({
    refreshToken: z.string().min(1).max(512).optional(),
  })
  .optional();

/**
 * The header a cookie-authenticated call must carry. A cross-site page can
 * neither set it (it is not CORS-safelisted, so the preflight fails) nor read
 * the cookie.
 */
export const CSRF_HEADER = 'x-gatehouse-csrf';

/** The result of admin.sessions.revokeAll. */
export const revokeAllOutput = z.object({
  /** How many refresh families (logged-in sessions) were live and are now revoked. */
  revokedFamilies: z.number().int().nonnegative(),
});

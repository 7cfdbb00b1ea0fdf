import { z } from 'zod';
import { displayNameSchema, emailSchema, loginPasswordSchema, newPasswordSchema, publicUserSchema } from './user.js';

export const REFRESH_TOKEN_DELIVERIES = ['body', 'cookie'] as const;

export const registerInput = z.strictObject({
  email: emailSchema,
  password: newPasswordSchema,
  name: displayNameSchema,
});

export const loginInput = z.strictObject({
  email: emailSchema,
  password: loginPasswordSchema,
  refreshTokenDelivery: z.enum(REFRESH_TOKEN_DELIVERIES).optional(),
});

/** What a successful login or refresh returns (OAuth 2.0 token response vocabulary). */
export const tokenGrantSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().positive(),
  scope: z.string(),
  refreshToken: z.string().optional(),
  user: publicUserSchema,
});

export type TokenGrant = z.infer<typeof tokenGrantSchema>;

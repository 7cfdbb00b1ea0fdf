import { emailSchema, displayNameSchema, newPasswordSchema, passwordEqualsEmail, roleSchema, scopeSchema, userAttributesSchema } from '@gatehouse/contracts';
import { z } from 'zod';
import { isBcryptHash } from '../auth/password-hasher.js';
import { COMMON_PASSWORD_MESSAGE, isCommonPassword } from '../auth/password-policy.js';

const bcryptHash = z.string().refine(isBcryptHash, 'must be a bcrypt hash ($2a$/$2b$/$2y$)');

const seedUser = z.union([
  z
    .strictObject({ email: emailSchema, name: displayNameSchema, role: roleSchema.default('user'), password: newPasswordSchema, attributes: userAttributesSchema.optional() })
    // The same policy as auth.register: a seeded account is no place for a guessable password.
    .refine((user) => !isCommonPassword(user.password), { path: ['password'], message: COMMON_PASSWORD_MESSAGE })
    .refine((user) => !passwordEqualsEmail(user.password, user.email), { path: ['password'], message: 'a password cannot be the account’s email address' }),
  z.strictObject({ email: emailSchema, name: displayNameSchema, role: roleSchema.default('user'), passwordHash: bcryptHash, attributes: userAttributesSchema.optional() }),
]);

const redirectUri = z.url().refine((uri) => !uri.includes('#'), 'a redirect URI has no fragment (RFC 6749 section 3.1.2)');
const clientId = z
  .string()
  .regex(/^[\w.-]{1,64}$/, 'a client id has 1 to 64 letters, digits, _ . -')
  // auth.login's tokens carry client_id "gatehouse": a seeded client of that name could refresh and revoke them.
  .refine((id) => id !== 'gatehouse', '"gatehouse" is reserved for tokens from auth.login');
const clientGrant = z.enum(['authorization_code', 'refresh_token', 'client_credentials']);

const publicClient = z.strictObject({
  clientId,
  type: z.literal('public'),
  redirectUris: z.array(redirectUri).min(1),
  scopes: z.array(scopeSchema).min(1),
  grantTypes: z.array(clientGrant.exclude(['client_credentials'])).default(['authorization_code', 'refresh_token']),
  // docs/security-model.md "Token theft signals": this client's access tokens are refused from any other network than they were issued to.
  pinNetwork: z.boolean().default(false),
});

const confidentialFields = {
  clientId,
  type: z.literal('confidential'),
  redirectUris: z.array(redirectUri).default([]),
  scopes: z.array(scopeSchema).min(1),
  grantTypes: z.array(clientGrant).min(1).default(['client_credentials']),
  pinNetwork: z.boolean().default(false),
};

const confidentialClient = z.union([
  z.strictObject({ ...confidentialFields, secret: z.string().min(16, 'a client secret has at least 16 characters') }),
  z.strictObject({ ...confidentialFields, secretHash: bcryptHash }),
]);

const service = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/),
  certSha256: z
    .string()
    .transform((hex) => hex.replaceAll(':', '').toLowerCase())
    .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 fingerprint is 64 hex digits (colons allowed)')),
  scopes: z.array(scopeSchema).min(1),
});

/** The seed file (docs/configuration.md, "Seed file"): every list optional, validated like config. */
export const seedSchema = z
  .strictObject({
    users: z.array(seedUser).default([]),
    clients: z.array(z.union([publicClient, confidentialClient])).default([]),
    services: z.array(service).default([]),
  })
  .superRefine((seed, ctx) => {
    const unique = (values: string[], what: string, path: string) => {
      const seen = new Set<string>();
      for (const value of values) {
        if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [path], message: `duplicate ${what} ${value}` });
        seen.add(value);
      }
    };
    unique(seed.users.map((u) => u.email), 'email', 'users');
    unique(seed.clients.map((c) => c.clientId), 'clientId', 'clients');
    unique(seed.services.map((s) => s.name), 'service name', 'services');
    unique(seed.services.map((s) => s.certSha256), 'certificate fingerprint', 'services');
    seed.clients.forEach((client, index) => {
      if (client.grantTypes.includes('authorization_code') && client.redirectUris.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['clients', index, 'redirectUris'], message: 'authorization_code needs a redirect URI' });
      }
    });
  });

export type Seed = z.output<typeof seedSchema>;
export type SeedInput = z.input<typeof seedSchema>;
export type SeedClient = Seed['clients'][number];
export type SeedService = Seed['services'][number];

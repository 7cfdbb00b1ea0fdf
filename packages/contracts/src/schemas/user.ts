import { z } from 'zod';
import { roleSchema } from '../scopes.js';
import { idSchema, isoTimestamp } from './common.js';
import { userAttributesSchema } from './user-attributes.js';

/** bcrypt reads only the first 72 bytes of a password; longer ones are refused, not truncated. */
export const PASSWORD_MAX_BYTES = 72;

/**
 * NIST SP 800-63B-4 section 3.1.1.2: at least 15 characters for a password
 * that is the only factor, as Gatehouse's is. Counted in Unicode code points
 * after normalisation, so a character typed as one key counts once.
 */
export const PASSWORD_MIN_LENGTH = 15;

/** An email address, trimmed and lower-cased, at most 254 characters: one account per address whatever its case. */
export const emailSchema = z
  .string()
  .trim()
  .max(254, 'An email address has at most 254 characters')
  .toLowerCase()
  .pipe(z.email({ message: 'Must be an email address' }));

/** Before normalisation: bounds the work of normalising and counting whatever a caller sends. */
const PASSWORD_INPUT_MAX_LENGTH = 1024;

/**
 * The one form a password is hashed and compared in: Unicode NFKC
 * (NIST SP 800-63B-4 section 3.1.1.2, RFC 8265 OpaqueString). The same
 * password typed on a keyboard that composes `é` and on one that sends `e` +
 * U+0301, or with a full-width digit, is then the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** UTF-8 bytes of a password, as bcrypt will see them. */
export function passwordByteLength(password: string): number {
  return utf8ByteLength(password);
}

const TOO_LONG = `A password has at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt would ignore the rest)`;

/**
 * A new password (registration, seed): normalised, then NIST SP 800-63B-4
 * rules only: a minimum length, a maximum bcrypt can hold, and no password
 * made of one repeated character. No composition rules (a digit, a symbol,
 * a capital), which the NIST guidance forbids: length is what counts. The
 * server also refuses passwords from a list of common ones and a password
 * equal to the account's email ({@link registerInput}).
 */
export const newPasswordSchema = z
  .string()
  .max(PASSWORD_INPUT_MAX_LENGTH, TOO_LONG)
  .transform(normalizePassword)
  .refine((password) => codePointLength(password) >= PASSWORD_MIN_LENGTH, {
    message: `A password has at least ${PASSWORD_MIN_LENGTH} characters; a few unrelated words make a long one easy to remember`,
  })
  .refine((password) => utf8ByteLength(password) <= PASSWORD_MAX_BYTES, { message: TOO_LONG })
  .refine((password) => !isOneRepeatedCharacter(password), { message: 'A password cannot be one character repeated' });

/**
 * A password offered at login or on the authorize form: normalised like a
 * new one, and refused (400) beyond the bytes bcrypt compares, never cut:
 * otherwise a 72-byte password followed by anything at all would sign in.
 */
export const loginPasswordSchema = z
  .string()
  .min(1, 'Enter the password')
  .max(PASSWORD_INPUT_MAX_LENGTH, TOO_LONG)
  .transform(normalizePassword)
  .refine((password) => utf8ByteLength(password) <= PASSWORD_MAX_BYTES, { message: TOO_LONG });

/** Whether a (normalised) password is the account's email or the email's local part, in any case. */
export function passwordEqualsEmail(password: string, email: string): boolean {
  const folded = password.toLowerCase();
  const normalizedEmail = email.toLowerCase();
  return folded === normalizedEmail || folded === normalizedEmail.slice(0, normalizedEmail.lastIndexOf('@'));
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _character of text) length += 1;
  return length;
}

function isOneRepeatedCharacter(text: string): boolean {
  const first = text.codePointAt(0);
  for (const character of text) if (character.codePointAt(0) !== first) return false;
  return true;
}

/** Counted by hand because contracts run anywhere and declare no DOM or Node globals. */
function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** A user's display name: trimmed, 1 to 100 characters. */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'A name cannot be empty')
  .max(100, 'A name has at most 100 characters');

/** A user as any API response shows it: never a password or hash. */
export const publicUserSchema = z.object({
  id: idSchema,
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: isoTimestamp,
});

/** A user as API responses show it; see {@link publicUserSchema}. */
export type PublicUser = z.infer<typeof publicUserSchema>;

/** A user as admins see it after setting attributes: the public fields and the attributes policies read. */
export const userWithAttributesSchema = publicUserSchema.extend({ attributes: userAttributesSchema });

/** A user with the attributes policies read; see {@link userWithAttributesSchema}. */
export type UserWithAttributes = z.infer<typeof userWithAttributesSchema>;

import { z } from 'zod';
import { roleSchema } from '../scopes.js';
import { idSchema, isoTimestamp } from './common.js';

/** bcrypt reads only the first 72 bytes of a password; longer ones are refused, not truncated. */
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_MIN_LENGTH = 8;

export const emailSchema = z
  .string()
  .trim()
  .max(254, 'An email address has at most 254 characters')
  .toLowerCase()
  .pipe(z.email({ message: 'Must be an email address' }));

/** A new password: the rules are checked at registration only, never at login. */
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `A password has at least ${PASSWORD_MIN_LENGTH} characters`)
  // A character is at least a byte: this bounds the input before the byte count walks it.
  .max(PASSWORD_MAX_BYTES, `A password has at most ${PASSWORD_MAX_BYTES} bytes (bcrypt ignores the rest)`)
  .refine(
    (password) => utf8ByteLength(password) <= PASSWORD_MAX_BYTES,
    `A password has at most ${PASSWORD_MAX_BYTES} bytes (bcrypt ignores the rest)`,
  );

/** Counted by hand because contracts run anywhere and declare no DOM or Node globals. */
function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** A password offered at login: bounded so that no one can make the server hash megabytes. */
export const loginPasswordSchema = z.string().min(1).max(1024);

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

export type PublicUser = z.infer<typeof publicUserSchema>;

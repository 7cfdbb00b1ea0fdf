import { TRPCError } from '@trpc/server';
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

/**
 * The blocklist NIST SP 800-63B-4 section 3.1.1.2 asks verifiers to check new
 * passwords against: "passwords-common" of @zxcvbn-ts/language-common, about
 * 49,000 of the most used passwords from breach corpora (the list zxcvbn
 * rates strength with), shipped in the package, so no request leaves the
 * server. Lowercase: a capitalised common password is just as common.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common']);

export const COMMON_PASSWORD_MESSAGE = 'This password is on a list of commonly used passwords; choose another (a few unrelated words work well)';

/** Whether a (normalised) password is on the common-password list, in any case. */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/**
 * Refuses a new password from the common list with the same 400 and field
 * issue (`path: ['password']`) the contract's own rules give, so a client
 * shows every password rule the same way.
 */
export function assertUncommonPassword(password: string): void {
  const checked = uncommonPassword.safeParse({ password });
  if (!checked.success) throw new TRPCError({ code: 'BAD_REQUEST', cause: checked.error });
}

/** A schema, so the refusal is the same ZodError (and wire issue) as the contract's own password rules. */
const uncommonPassword = z.object({ password: z.string().refine((password) => !isCommonPassword(password), COMMON_PASSWORD_MESSAGE) });

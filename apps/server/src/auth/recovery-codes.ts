import { createHash, randomInt } from 'node:crypto';

/** How many recovery codes an enrolment hands out; each works once. */
export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32 without I, L, O, U: nothing a reader can confuse when typing a code from paper.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `xxxxx-xxxxx`: 50 random bits, too many to guess within the second-factor budget. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const characters = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${characters.slice(0, 5)}-${characters.slice(5)}`;
  });
}

/** Whether a string has a recovery code's shape (a TOTP code is six digits, so the two never collide). */
export function looksLikeRecoveryCode(value: string): boolean {
  return /^[0-9a-z]{5}-?[0-9a-z]{5}$/i.test(value.trim());
}

/**
 * SHA-256 (hex) of the code as typed, case and dash aside. Unsalted is enough: the input is 50 random bits
 * that are never reused, not a password chosen by a person, and the guessing budget is online only.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(code.trim().toLowerCase().replace(/-/g, '')).digest('hex');
}

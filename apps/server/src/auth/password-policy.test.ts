import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { describe, expect, it } from 'vitest';
import { assertUncommonPassword, COMMON_PASSWORD_MESSAGE, isCommonPassword } from './password-policy.js';

describe('the common-password list', () => {
  it('holds breached passwords in any case, and not a passphrase of unrelated words', () => {
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('PassWord')).toBe(true);
    expect(isCommonPassword('blue lantern orbit quietly')).toBe(false);
  });

  it('refuses a common password with a 400 whose one issue names the password field', () => {
    let caught: unknown;
    try {
      assertUncommonPassword('Password');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TRPCError);
    expect((caught as TRPCError).code).toBe('BAD_REQUEST');
    const cause = (caught as TRPCError).cause;
    expect(cause).toBeInstanceOf(ZodError);
    expect((cause as ZodError).issues).toEqual([expect.objectContaining({ path: ['password'], message: COMMON_PASSWORD_MESSAGE })]);
  });

  it('lets an uncommon password through', () => {
    expect(() => assertUncommonPassword('blue lantern orbit quietly')).not.toThrow();
  });
});

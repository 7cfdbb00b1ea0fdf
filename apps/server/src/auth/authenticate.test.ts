import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../apikeys/key-format.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { readCredential } from './authenticate.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthFailureError) return error.data.reason;
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return undefined;
}

describe('readCredential', () => {
  it('reads nothing from a request without credentials, or with empty headers', () => {
    expect(readCredential({})).toEqual({ type: 'none' });
    expect(readCredential({ authorization: '', 'x-api-key': '' })).toEqual({ type: 'none' });
  });

  it('reads a Bearer or DPoP token in any case of the scheme, after one space or more', () => {
    expect(readCredential({ authorization: `Bearer ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'Bearer' });
    expect(readCredential({ authorization: `bearer   ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'Bearer' });
    expect(readCredential({ authorization: `DPoP ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'DPoP' });
    expect(readCredential({ authorization: `dpop ${JWT}` })).toEqual({ type: 'bearer', token: JWT, scheme: 'DPoP' });
    // RFC 6750's b64token may end in padding.
    expect(readCredential({ authorization: 'Bearer abc==' })).toEqual({ type: 'bearer', token: 'abc==', scheme: 'Bearer' });
  });

  it('refuses a malformed Authorization header as invalid_token', () => {
    for (const authorization of [JWT, `Basic ${JWT}`, 'Bearer', `Bearer${JWT}`, `Bearer ${JWT} extra`, `x Bearer ${JWT}`, 'Bearer a=b', `Bearer ${JWT}\n`]) {
      expect(reasonOf(() => readCredential({ authorization })), authorization).toBe('invalid_token');
    }
  });

  it('reads an API key from X-API-Key, or as a Bearer token, but never as a DPoP-bound one', () => {
    const { key } = generateApiKey();
    expect(readCredential({ 'x-api-key': key })).toEqual({ type: 'api_key', key });
    expect(readCredential({ authorization: `Bearer ${key}` })).toEqual({ type: 'api_key', key });
    expect(reasonOf(() => readCredential({ authorization: `DPoP ${key}` }))).toBe('invalid_token');
  });

  it('joins repeated X-API-Key headers into one string that is no key', () => {
    expect(readCredential({ 'x-api-key': ['gk_a', 'gk_b'] })).toEqual({ type: 'api_key', key: 'gk_a, gk_b' });
  });

  it('refuses two credentials at once with 400, whichever header is which', () => {
    const { key } = generateApiKey();
    expect(reasonOf(() => readCredential({ 'x-api-key': key, authorization: `Bearer ${JWT}` }))).toBe('BAD_REQUEST');
    expect(reasonOf(() => readCredential({ 'x-api-key': key, authorization: `Bearer ${key}` }))).toBe('BAD_REQUEST');
  });
});

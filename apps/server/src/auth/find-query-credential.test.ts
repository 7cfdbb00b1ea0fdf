import { describe, expect, it } from 'vitest';
import { findQueryCredential } from './find-query-credential.js';

describe('findQueryCredential', () => {
  it('finds each credential parameter in a request URL, even empty', () => {
    expect(findQueryCredential('/trpc/users.me?access_token=eyJ')).toBe('access_token');
    expect(findQueryCredential('/trpc/users.me?input=%7B%7D&api_key=gk_1')).toBe('api_key');
    expect(findQueryCredential('/trpc/users.me?apiKey=gk_1')).toBe('apiKey');
    expect(findQueryCredential('/oauth/userinfo?token=')).toBe('token');
    expect(findQueryCredential('/?access_token=eyJ')).toBe('access_token');
  });

  it('finds nothing in a URL without a query, or whose query holds no credential', () => {
    expect(findQueryCredential('/trpc/users.me')).toBeUndefined();
    expect(findQueryCredential('/trpc/users.me?input=%7B%7D')).toBeUndefined();
    // Only the query counts: a path segment named like a parameter is not one.
    expect(findQueryCredential('/access_token=x')).toBeUndefined();
    expect(findQueryCredential('/files/report&token=x')).toBeUndefined();
  });

  it('reads a query already parsed', () => {
    expect(findQueryCredential(new URLSearchParams('token=abc'))).toBe('token');
    expect(findQueryCredential(new URLSearchParams('input=1'))).toBeUndefined();
  });
});

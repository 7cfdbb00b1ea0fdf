import { describe, expect, it } from 'vitest';
import { normaliseHtu, requestHtu } from './htu.js';

describe('normaliseHtu', () => {
  it('ignores the query and fragment, as RFC 9449 section 4.3 asks', () => {
    expect(normaliseHtu('https://api.example/trpc/users.me?input=%7B%7D#x')).toBe('https://api.example/trpc/users.me');
  });

  it('applies RFC 3986 syntax- and scheme-based normalisation', () => {
    expect(normaliseHtu('HTTPS://API.Example:443/a/./b/../trpc/%7euser')).toBe('https://api.example/a/trpc/%7Euser');
    expect(normaliseHtu('http://127.0.0.1:80')).toBe('http://127.0.0.1/');
  });

  it('refuses what is not an absolute http(s) URL', () => {
    expect(normaliseHtu('/trpc/users.me')).toBeUndefined();
    expect(normaliseHtu('javascript:alert(1)')).toBeUndefined();
  });

  it('places a request path under the issuer', () => {
    expect(requestHtu('http://127.0.0.1:3000', '/trpc/users.me,orders.list?batch=1&input={}')).toBe('http://127.0.0.1:3000/trpc/users.me,orders.list');
    expect(requestHtu('https://id.example/base', '/oauth/token')).toBe('https://id.example/base/oauth/token');
  });
});

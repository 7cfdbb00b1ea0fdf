import { describe, expect, it } from 'vitest';
import { isAllowedOrigin } from '../auth/allowed-origin.js';
import { clearedRefreshCookie, readRefreshCookie, refreshCookie } from './refresh-cookie.js';

describe('refresh cookie', () => {
  it('is Secure outside development only, so plain-HTTP localhost development keeps working', () => {
    expect(refreshCookie({ env: 'production' }, 'a.b', 60)).toMatch(/; Secure/);
    expect(refreshCookie({ env: 'test' }, 'a.b', 60)).toMatch(/; Secure/);
    expect(refreshCookie({ env: 'development' }, 'a.b', 60)).not.toMatch(/Secure/);
  });

  it('expires with its family and is deleted with Max-Age=0', () => {
    expect(refreshCookie({ env: 'test' }, 'a.b', 30)).toMatch(/Max-Age=30;/);
    expect(clearedRefreshCookie({ env: 'test' })).toMatch(/^__Host-gatehouse_refresh=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('carries the __Host- prefix outside development only', () => {
    expect(refreshCookie({ env: 'production' }, 'a.b', 60)).toMatch(/^__Host-gatehouse_refresh=a\.b;/);
    expect(refreshCookie({ env: 'test' }, 'a.b', 60)).toMatch(/^__Host-gatehouse_refresh=a\.b;/);
    expect(refreshCookie({ env: 'development' }, 'a.b', 60)).toMatch(/^gatehouse_refresh=a\.b;/);
  });

  it('reads only its own cookie under the config’s name, and treats an empty one as absent', () => {
    const test = { env: 'test' } as const;
    expect(readRefreshCookie(test, { cookie: 'a=1; __Host-gatehouse_refresh=x.y; b=2' })).toBe('x.y');
    expect(readRefreshCookie(test, { cookie: 'gatehouse_refresh=x.y' })).toBeUndefined();
    expect(readRefreshCookie({ env: 'development' }, { cookie: 'gatehouse_refresh=x.y' })).toBe('x.y');
    expect(readRefreshCookie(test, { cookie: '__Host-gatehouse_refresh=' })).toBeUndefined();
    expect(readRefreshCookie(test, { cookie: 'other=1' })).toBeUndefined();
    expect(readRefreshCookie(test, {})).toBeUndefined();
  });

  it('is HttpOnly, SameSite=Strict and for the whole host, in every environment', () => {
    expect(refreshCookie({ env: 'production' }, 'a.b', 60)).toBe('__Host-gatehouse_refresh=a.b; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Strict');
    expect(refreshCookie({ env: 'development' }, 'a.b', 60)).toBe('gatehouse_refresh=a.b; Max-Age=60; Path=/; HttpOnly; SameSite=Strict');
    expect(clearedRefreshCookie({ env: 'development' })).toBe('gatehouse_refresh=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict');
  });

  it('reads the value as it was written: spaces around it dropped, percent-encoding decoded', () => {
    const test = { env: 'test' } as const;
    expect(readRefreshCookie(test, { cookie: '__Host-gatehouse_refresh= x.y ;b=2' })).toBe('x.y');
    expect(readRefreshCookie(test, { cookie: '__Host-gatehouse_refresh=x%2Ey' })).toBe('x.y');
    expect(readRefreshCookie(test, { cookie: '__Host-gatehouse_refresh=  ' })).toBeUndefined();
  });

  it('ignores a cookie pair without "=", even one that starts with the name', () => {
    const test = { env: 'test' } as const;
    expect(readRefreshCookie(test, { cookie: '__Host-gatehouse_refreshX' })).toBeUndefined();
    expect(readRefreshCookie(test, { cookie: '__Host-gatehouse_refreshX; __Host-gatehouse_refresh=x.y' })).toBe('x.y');
  });

  it('refuses a request with two refresh cookies instead of picking one (sibling-subdomain fixation)', () => {
    const twice = { cookie: '__Host-gatehouse_refresh=planted.1; theme=dark; __Host-gatehouse_refresh=mine.2' };
    expect(() => readRefreshCookie({ env: 'production' }, twice)).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('allowed origin for cookie calls', () => {
  const config = { corsOrigins: ['https://app.example.com'], issuer: 'https://auth.example.com' };

  it('allows no Origin, a listed origin, the issuer and the request’s own host', () => {
    expect(isAllowedOrigin({}, config)).toBe(true);
    expect(isAllowedOrigin({ origin: 'https://app.example.com' }, config)).toBe(true);
    expect(isAllowedOrigin({ origin: 'https://auth.example.com' }, config)).toBe(true);
    expect(isAllowedOrigin({ origin: 'http://127.0.0.1:4000', host: '127.0.0.1:4000' }, config)).toBe(true);
  });

  it('refuses other origins, look-alikes and Origin: null', () => {
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null', 'https://app.example.com/']) {
      expect(isAllowedOrigin({ origin, host: 'auth.example.com' }, config)).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { headerName } from './header-name.js';

describe('headerName', () => {
  it('lowers a name, the same way every time it is asked', () => {
    expect(headerName('X-RateLimit-Limit')).toBe('x-ratelimit-limit');
    expect(headerName('X-RateLimit-Limit')).toBe('x-ratelimit-limit');
    expect(headerName('retry-after')).toBe('retry-after');
  });

  it('still lowers names past what it remembers', () => {
    for (let index = 0; index < 300; index += 1) expect(headerName(`X-Name-${index}`)).toBe(`x-name-${index}`);
    expect(headerName('WWW-Authenticate')).toBe('www-authenticate');
  });
});

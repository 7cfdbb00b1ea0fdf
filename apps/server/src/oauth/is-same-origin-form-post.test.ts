import { describe, expect, it } from 'vitest';
import { isSameOriginFormPost } from './is-same-origin-form-post.js';

const config = { issuer: 'https://auth.example.com' };

describe('isSameOriginFormPost', () => {
  it('trusts Fetch Metadata first: same-origin (and none) only', () => {
    expect(isSameOriginFormPost({ 'sec-fetch-site': 'same-origin', origin: 'null' }, config)).toBe(true);
    expect(isSameOriginFormPost({ 'sec-fetch-site': 'none' }, config)).toBe(true);
    expect(isSameOriginFormPost({ 'sec-fetch-site': 'same-site', origin: 'https://app.example.com' }, config)).toBe(false);
    expect(isSameOriginFormPost({ 'sec-fetch-site': 'cross-site', origin: 'https://auth.example.com' }, config)).toBe(false);
  });

  it('falls back to Origin: absent, the issuer’s or the host’s own; never null or another', () => {
    expect(isSameOriginFormPost({}, config)).toBe(true);
    expect(isSameOriginFormPost({ origin: 'https://auth.example.com' }, config)).toBe(true);
    expect(isSameOriginFormPost({ origin: 'http://127.0.0.1:4000', host: '127.0.0.1:4000' }, config)).toBe(true);
    expect(isSameOriginFormPost({ origin: 'null' }, config)).toBe(false);
    expect(isSameOriginFormPost({ origin: 'https://evil.example', host: 'auth.example.com' }, config)).toBe(false);
  });

  it('matches the host’s own origin only as a browser writes it: no path, no missing Host, nothing unparsable', () => {
    // Origin is scheme://host[:port] alone; a value with a path is not one a browser sends.
    expect(isSameOriginFormPost({ origin: 'http://127.0.0.1:4000/', host: '127.0.0.1:4000' }, config)).toBe(false);
    expect(isSameOriginFormPost({ origin: 'http://127.0.0.1:4000/authorize', host: '127.0.0.1:4000' }, config)).toBe(false);
    expect(isSameOriginFormPost({ origin: 'http://127.0.0.1:4000' }, config)).toBe(false);
    expect(isSameOriginFormPost({ origin: 'http://127.0.0.1:4001', host: '127.0.0.1:4000' }, config)).toBe(false);
    expect(isSameOriginFormPost({ origin: 'not an origin', host: '127.0.0.1:4000' }, config)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { matchRedirectUri } from './match-redirect-uri.js';

const REGISTERED = ['http://127.0.0.1/callback', 'http://[::1]/callback', 'http://127.0.0.1:5173/cb', 'https://app.example/cb'];

describe('matchRedirectUri', () => {
  it.each([
    ['http://127.0.0.1:49152/callback', 'any port of a loopback IPv4 URI registered without one'],
    ['http://[::1]:61000/callback', 'any port of a loopback IPv6 URI registered without one'],
    ['http://127.0.0.1/callback', 'the registered string itself'],
    ['http://127.0.0.1:5173/cb', 'an exact match with a port'],
    ['https://app.example/cb', 'an exact match of a web URI'],
  ])('accepts %s (%s), returning it as requested', (requested) => {
    expect(matchRedirectUri(REGISTERED, requested)).toBe(requested);
  });

  it.each([
    ['http://127.0.0.1:5174/cb', 'another port of a loopback URI registered with its port'],
    ['https://app.example:8443/cb', 'another port of a non-loopback host'],
    ['http://localhost:4000/callback', 'localhost, which DNS could point elsewhere'],
    ['http://127.1:4000/callback', 'a non-canonical spelling of 127.0.0.1'],
    ['http://127.0.0.1:4000/callback/../callback', 'dot segments'],
    ['http://user@127.0.0.1:4000/callback', 'userinfo'],
    ['http://127.0.0.1:4000/callback#x', 'a fragment'],
    ['http://127.0.0.1:4000/callback?x=1', 'another query'],
    ['https://127.0.0.1:4000/callback', 'https where http was registered'],
    ['http://127.0.0.2:4000/callback', 'another loopback address'],
    ['not a url', 'garbage'],
  ])('refuses %s (%s)', (requested) => {
    expect(matchRedirectUri(REGISTERED, requested)).toBeUndefined();
  });

  it.each([
    ['https://127.0.0.1/cb', 'https://127.0.0.1:8443/cb', 'https: RFC 8252 lets only http loopback URIs take any port'],
    ['http://user@127.0.0.1/cb', 'http://user@127.0.0.1:4000/cb', 'a registered URI with userinfo'],
    ['http://:pw@127.0.0.1/cb', 'http://:pw@127.0.0.1:4000/cb', 'a registered URI with a password'],
    ['http://127.0.0.1/cb#top', 'http://127.0.0.1:4000/cb#top', 'a registered URI with a fragment'],
  ])('keeps %s exact: %s is refused (%s)', (registered, requested) => {
    expect(matchRedirectUri([registered], requested)).toBeUndefined();
    expect(matchRedirectUri([registered], registered)).toBe(registered);
  });
});

import { describe, expect, it } from 'vitest';
import { isAllowedOrigin } from './allowed-origin.js';

const config = { issuer: 'https://auth.example.com', corsOrigins: ['https://app.example.com'] };

describe('isAllowedOrigin', () => {
  it('admits a request without Origin (not a browser’s cross-origin request)', () => {
    expect(isAllowedOrigin({ host: 'auth.example.com' }, config)).toBe(true);
  });

  it('admits a configured CORS origin, the issuer’s own origin and the origin of the host asked', () => {
    expect(isAllowedOrigin({ origin: 'https://app.example.com', host: 'auth.example.com' }, config)).toBe(true);
    expect(isAllowedOrigin({ origin: 'https://auth.example.com', host: 'internal:3000' }, config)).toBe(true);
    expect(isAllowedOrigin({ origin: 'http://localhost:3000', host: 'localhost:3000' }, config)).toBe(true);
  });

  it('refuses another site, Origin null, and an origin that is not one (a path, garbage)', () => {
    for (const origin of ['https://evil.example', 'null', 'https://auth.example.com/path', 'not a url']) {
      expect(isAllowedOrigin({ origin, host: 'auth.example.com' }, config)).toBe(false);
    }
  });

  it('refuses an origin that only shares the host’s name, and any origin when no Host was sent', () => {
    expect(isAllowedOrigin({ origin: 'http://localhost:4000', host: 'localhost:3000' }, config)).toBe(false);
    expect(isAllowedOrigin({ origin: 'http://localhost:3000' }, config)).toBe(false);
  });
});

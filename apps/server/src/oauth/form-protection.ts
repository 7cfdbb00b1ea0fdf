import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection for the authorize form without server-side state: the form
 * carries an expiry and an HMAC over every parameter it was rendered for.
 * A cross-site page cannot read it (no CORS on /oauth/authorize, and the page
 * cannot be framed), and a token for one request is worthless for another.
 */
export interface FormProtection {
  issue(fields: Readonly<Record<string, string>>): string;
  verify(token: string, fields: Readonly<Record<string, string>>): boolean;
}

export interface FormProtectionOptions {
  /** Shared by every process that may receive the POST (derived from the signing keys). */
  readonly key: Buffer;
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

export function createFormProtection(options: FormProtectionOptions): FormProtection {
  const ttlSeconds = options.ttlSeconds ?? 600;
  const now = options.now ?? Date.now;
  const mac = (expiresAt: number, fields: Readonly<Record<string, string>>) => {
    const canonical = Object.keys(fields)
      .sort()
      .map((name) => `${name}=${encodeURIComponent(fields[name] ?? '')}`)
      .join('&');
    return createHmac('sha256', options.key).update(`${expiresAt}\n${canonical}`).digest('base64url');
  };
  return {
    issue(fields) {
      const expiresAt = Math.floor(now() / 1000) + ttlSeconds;
      return `${expiresAt}.${mac(expiresAt, fields)}`;
    },
    verify(token, fields) {
      const [expiresText, signature] = token.split('.');
      const expiresAt = Number(expiresText);
      if (!Number.isInteger(expiresAt) || signature === undefined || expiresAt < Math.floor(now() / 1000)) return false;
      const expected = Buffer.from(mac(expiresAt, fields));
      const presented = Buffer.from(signature);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    },
  };
}

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

function issuesOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

/** A production configuration that passes every refusal; each test breaks one thing. */
const SAFE_PRODUCTION = {
  GATEHOUSE_ENV: 'production',
  GATEHOUSE_SIGNING_KEYS_FILE: '/etc/gatehouse/keys.json',
  GATEHOUSE_STORE: 'redis',
  GATEHOUSE_TRUST_PROXY: '10.0.0.0/8',
  GATEHOUSE_AUDIT_HMAC_KEY: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=',
  GATEHOUSE_TOKEN_NETWORK_KEY: 'bmV0d29yay1rZXktbmV0d29yay1rZXktbmV0d29yay0=',
};

describe('parseConfig', () => {
  it('defaults every core variable for local development', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 3000,
      issuer: 'http://127.0.0.1:3000',
      audience: 'http://127.0.0.1:3000',
      store: { kind: 'memory' },
      seedFile: undefined,
      signingKeysFile: undefined,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 604_800,
      bcryptCost: 12,
      limits: { public: { points: 100, durationSeconds: 3600 }, authenticated: { points: 600, durationSeconds: 60 } },
      corsOrigins: [],
      trustProxy: false,
      tls: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses every core variable', () => {
    const config = parseConfig({
      GATEHOUSE_ENV: 'test',
      GATEHOUSE_HOST: '::1',
      GATEHOUSE_PORT: '8443',
      GATEHOUSE_ISSUER: 'https://auth.example.com/',
      GATEHOUSE_AUDIENCE: 'https://api.example.com',
      GATEHOUSE_STORE: 'redis',
      REDIS_URL: 'redis://cache:6380',
      GATEHOUSE_SEED_FILE: '/seed.json',
      GATEHOUSE_SIGNING_KEYS_FILE: '/keys.json',
      GATEHOUSE_ACCESS_TOKEN_TTL: '300',
      GATEHOUSE_REFRESH_TOKEN_TTL: '86400',
      GATEHOUSE_BCRYPT_COST: '10',
      GATEHOUSE_LIMIT_PUBLIC: '50/60',
      GATEHOUSE_LIMIT_AUTHENTICATED: '1000/3600',
      GATEHOUSE_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      GATEHOUSE_TRUST_PROXY: '10.0.0.0/8,192.168.1.1',
      GATEHOUSE_TLS_CERT: '/cert.pem',
      GATEHOUSE_TLS_KEY: '/key.pem',
      GATEHOUSE_TLS_CLIENT_CA: '/ca.pem',
    });
    expect(config).toMatchObject({
      env: 'test',
      host: '::1',
      port: 8443,
      issuer: 'https://auth.example.com',
      audience: 'https://api.example.com',
      store: { kind: 'redis', url: 'redis://cache:6380', keyPrefix: 'gatehouse:' },
      seedFile: '/seed.json',
      signingKeysFile: '/keys.json',
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 86_400,
      bcryptCost: 10,
      limits: { public: { points: 50, durationSeconds: 60 }, authenticated: { points: 1000, durationSeconds: 3600 } },
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      trustProxy: { addresses: ['10.0.0.0/8', '192.168.1.1'], hops: undefined },
      tls: { certFile: '/cert.pem', keyFile: '/key.pem', clientCaFile: '/ca.pem' },
    });
  });

  it('derives an https issuer with TLS, brackets IPv6 hosts, and reads a hop count given with addresses', () => {
    const config = parseConfig({ GATEHOUSE_HOST: '::1', GATEHOUSE_TLS_CERT: '/c', GATEHOUSE_TLS_KEY: '/k', GATEHOUSE_TRUST_PROXY: '10.0.0.0/8,hops=2' });
    expect(config.issuer).toBe('https://[::1]:3000');
    expect(config.trustProxy).toEqual({ addresses: ['10.0.0.0/8'], hops: 2 });
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ GATEHOUSE_SEED_FILE: '', GATEHOUSE_PORT: '' })).toMatchObject({ seedFile: undefined, port: 3000 });
  });

  it.each([
    ['GATEHOUSE_ENV', 'staging'],
    ['GATEHOUSE_PORT', '70000'],
    ['GATEHOUSE_PORT', 'http'],
    ['GATEHOUSE_ISSUER', 'not a url'],
    ['GATEHOUSE_STORE', 'mysql'],
    ['DATABASE_URL', 'mysql://127.0.0.1/gatehouse'],
    ['GATEHOUSE_DATABASE_TIMEOUT_MS', '10'],
    ['REDIS_URL', 'nowhere'],
    ['GATEHOUSE_REDIS_PREFIX', 'has spaces'],
    ['GATEHOUSE_ACCESS_TOKEN_TTL', '0'],
    ['GATEHOUSE_ACCESS_TOKEN_TTL', '100000'],
    ['GATEHOUSE_REFRESH_TOKEN_TTL', '-5'],
    ['GATEHOUSE_BCRYPT_COST', '3'],
    ['GATEHOUSE_BCRYPT_COST', '16'],
    ['GATEHOUSE_LIMIT_PUBLIC', '100'],
    ['GATEHOUSE_LIMIT_PUBLIC', '0/60'],
    ['GATEHOUSE_LIMIT_AUTHENTICATED', 'many/60'],
    ['GATEHOUSE_CORS_ORIGINS', '*'],
    ['GATEHOUSE_CORS_ORIGINS', 'https://app.example.com/path'],
    ['GATEHOUSE_TRUST_PROXY', 'true'],
    ['GATEHOUSE_TRUST_PROXY', 'proxy.internal'],
    ['GATEHOUSE_LOG_LEVEL', 'verbose'],
  ])('stops on a bad %s (%s), naming the variable', (variable, value) => {
    expect(issuesOf({ [variable]: value }).some((issue) => issue.startsWith(variable))).toBe(true);
  });

  it('reports every bad variable at once', () => {
    const issues = issuesOf({ GATEHOUSE_PORT: 'x', GATEHOUSE_STORE: 'y' });
    expect(issues.some((issue) => issue.startsWith('GATEHOUSE_PORT'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('GATEHOUSE_STORE'))).toBe(true);
  });

  it('refuses half a TLS configuration, and mTLS without TLS', () => {
    expect(issuesOf({ GATEHOUSE_TLS_CERT: '/c' }).some((issue) => issue.includes('GATEHOUSE_TLS_KEY'))).toBe(true);
    expect(issuesOf({ GATEHOUSE_TLS_CLIENT_CA: '/ca' }).some((issue) => issue.startsWith('GATEHOUSE_TLS_CLIENT_CA'))).toBe(true);
  });

  it('waits 250 ms on a Redis command by default, and takes another bound in milliseconds', () => {
    expect(parseConfig({}).redisCommandTimeoutMs).toBe(250);
    expect(parseConfig({ GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: '2000' }).redisCommandTimeoutMs).toBe(2000);
    expect(issuesOf({ GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: '0' }).join('\n')).toContain('GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS');
  });

  describe('the audit log', () => {
    it('keeps records a year by age, aggregates refusals per minute, and generates no key itself', () => {
      expect(parseConfig({}).audit).toEqual({ retentionSeconds: 31_536_000, aggregationWindowSeconds: 60, hmacKey: undefined });
    });

    it('takes a base64 or base64url key of at least 32 bytes', () => {
      const key = parseConfig({ GATEHOUSE_AUDIT_HMAC_KEY: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80' }).audit.hmacKey;
      expect(key?.byteLength).toBe(32);
      expect(issuesOf({ GATEHOUSE_AUDIT_HMAC_KEY: 'c2hvcnQ=' }).some((issue) => issue.startsWith('GATEHOUSE_AUDIT_HMAC_KEY'))).toBe(true);
      expect(issuesOf({ GATEHOUSE_AUDIT_HMAC_KEY: 'not base64 at all!' }).some((issue) => issue.startsWith('GATEHOUSE_AUDIT_HMAC_KEY'))).toBe(true);
    });

    it('refuses the removed count bound instead of ignoring it', () => {
      expect(issuesOf({ GATEHOUSE_AUDIT_LOG_MAX_RECORDS: '1000' })).toEqual([expect.stringMatching(/^GATEHOUSE_AUDIT_LOG_MAX_RECORDS: .*GATEHOUSE_AUDIT_LOG_RETENTION/)]);
    });

    it('charges refusals per IP: 50 failed authentications and 100 denied calls per 5 minutes by default', () => {
      expect(parseConfig({}).refusalLimits).toEqual({ failedAuth: { points: 50, durationSeconds: 300 }, denied: { points: 100, durationSeconds: 300 } });
    });
  });

  describe('production', () => {
    it('starts with safe settings', () => {
      expect(parseConfig(SAFE_PRODUCTION).env).toBe('production');
    });

    it.each([
      ['an ephemeral signing key', 'GATEHOUSE_SIGNING_KEYS_FILE', { GATEHOUSE_SIGNING_KEYS_FILE: '' }],
      ['the memory store', 'GATEHOUSE_STORE', { GATEHOUSE_STORE: 'memory' }],
      ['no TLS and no trusted proxy', 'GATEHOUSE_TLS_CERT', { GATEHOUSE_TRUST_PROXY: 'false' }],
      ['no TLS and GATEHOUSE_TRUST_PROXY=0', 'GATEHOUSE_TLS_CERT', { GATEHOUSE_TRUST_PROXY: '0' }],
      ['no TLS and no GATEHOUSE_TRUST_PROXY', 'GATEHOUSE_TLS_CERT', { GATEHOUSE_TRUST_PROXY: '' }],
      ['CORS *', 'GATEHOUSE_CORS_ORIGINS', { GATEHOUSE_CORS_ORIGINS: '*' }],
      ['a per-start audit key', 'GATEHOUSE_AUDIT_HMAC_KEY', { GATEHOUSE_AUDIT_HMAC_KEY: '' }],
      ['a per-start token network key', 'GATEHOUSE_TOKEN_NETWORK_KEY', { GATEHOUSE_TOKEN_NETWORK_KEY: '' }],
    ])('refuses %s', (_label, variable, change) => {
      expect(issuesOf({ ...SAFE_PRODUCTION, ...change }).some((issue) => issue.startsWith(variable))).toBe(true);
    });
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, DEFAULT_METRICS_PORT, parseConfig } from './config.js';
import { configIssues } from '../test-support/config-issues.js';

/** Secrets are never quoted (their own test below): the issue gives only their length. */
const SECRETS: readonly string[] = ['GATEHOUSE_AUDIT_HMAC_KEY', 'GATEHOUSE_TOKEN_NETWORK_KEY', 'GATEHOUSE_SECRET_ENCRYPTION_KEY'];

const PRODUCTION = {
  GATEHOUSE_ENV: 'production',
  GATEHOUSE_STORE: 'redis',
  GATEHOUSE_SIGNING_KEYS_FILE: '/etc/gatehouse/keys.json',
  GATEHOUSE_AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64'),
  GATEHOUSE_TOKEN_NETWORK_KEY: Buffer.alloc(32, 2).toString('base64'),
  GATEHOUSE_SECRET_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
  GATEHOUSE_TRUST_PROXY: '10.0.0.0/8',
};

describe('config errors quote the value given', () => {
  it('GATEHOUSE_PORT=abc says "abc", not NaN', () => {
    expect(configIssues({ GATEHOUSE_PORT: 'abc' })).toEqual(['GATEHOUSE_PORT: expected a number; got "abc"']);
  });

  it('every variable that refuses a value quotes it in its issue', () => {
    const bad = 'bad value?';
    // Both TLS files named, so the rules that relate variables to each other stay quiet and only values are judged.
    const ownIssues = (name: string) => configIssues({ GATEHOUSE_TLS_CERT: '/c', GATEHOUSE_TLS_KEY: '/k', [name]: bad }).filter((issue) => issue.startsWith(`${name}: `));
    const refusing = CONFIG_VARIABLES.filter((name) => !SECRETS.includes(name) && ownIssues(name).length > 0);
    // Free-text variables (host, audience, file paths) accept it; every other one refuses it.
    expect(refusing.length).toBeGreaterThan(CONFIG_VARIABLES.length - 9 - SECRETS.length);
    for (const name of refusing) {
      for (const issue of ownIssues(name)) expect(issue, name).toContain(JSON.stringify(bad));
    }
  });

  it('the audit key is a secret: its issue gives the length, never the characters', () => {
    const [issue] = configIssues({ GATEHOUSE_AUDIT_HMAC_KEY: 'c2VjcmV0LWJ1dC1zaG9ydA' });
    expect(issue).toContain('a value of 22 characters (not shown: it is a secret)');
    expect(issue).not.toContain('c2VjcmV0');
  });

  it('a password inside a bad REDIS_URL is masked', () => {
    const [issue] = configIssues({ REDIS_URL: 'redis//:hunter2@cache:6379' });
    expect(issue).toBe('REDIS_URL: Invalid URL; got "redis//***@cache:6379"');
  });
});

describe('paths resolve against the folder the command ran from', () => {
  it('relative paths join INIT_CWD (set by pnpm), absolute paths stay', () => {
    const config = parseConfig({
      INIT_CWD: '/home/me/project',
      GATEHOUSE_SEED_FILE: 'seed.json',
      GATEHOUSE_SIGNING_KEYS_FILE: '../keys/jwks.json',
      GATEHOUSE_TLS_CERT: 'tls/server.crt',
      GATEHOUSE_TLS_KEY: '/etc/tls/server.key',
      GATEHOUSE_TLS_CLIENT_CA: './ca.crt',
    });
    expect(config.seedFile).toBe('/home/me/project/seed.json');
    expect(config.signingKeysFile).toBe('/home/me/keys/jwks.json');
    expect(config.tls).toEqual({ certFile: '/home/me/project/tls/server.crt', keyFile: '/etc/tls/server.key', clientCaFile: '/home/me/project/ca.crt' });
  });

  it('without INIT_CWD they join the working directory', () => {
    expect(parseConfig({ GATEHOUSE_SEED_FILE: 'seed.json' }).seedFile).toBe(join(process.cwd(), 'seed.json'));
  });
});

describe('the metrics listener', () => {
  it('is off by default in development and test', () => {
    expect(parseConfig({}).metrics).toBeUndefined();
    expect(parseConfig({ GATEHOUSE_ENV: 'test' }).metrics).toBeUndefined();
  });

  it('listens on loopback 9464 by default in production', () => {
    expect(parseConfig(PRODUCTION).metrics).toEqual({ host: '127.0.0.1', port: DEFAULT_METRICS_PORT });
    expect(DEFAULT_METRICS_PORT).toBe(9464);
  });

  it('follows GATEHOUSE_METRICS_PORT when set, and off turns it off in production', () => {
    expect(parseConfig({ GATEHOUSE_METRICS_PORT: '0' }).metrics).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseConfig({ ...PRODUCTION, GATEHOUSE_METRICS_PORT: 'off' }).metrics).toBeUndefined();
  });
});

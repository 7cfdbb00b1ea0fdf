import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

const issuesOf = (env: Record<string, string>): readonly string[] => {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
};

describe('rate-limit configuration', () => {
  it('defaults to the documented login thresholds and keeps counters where GATEHOUSE_STORE keeps state', () => {
    const config = parseConfig({});
    expect(config.loginLimits).toEqual({
      emailAndIp: { points: 5, durationSeconds: 86_400, blockDurationSeconds: 900 },
      email: { points: 10, durationSeconds: 3600, blockDurationSeconds: 900 },
      ip: { points: 100, durationSeconds: 86_400, blockDurationSeconds: 86_400 },
    });
    expect(config.rateLimitStore).toEqual({ kind: 'memory' });
    expect(parseConfig({ GATEHOUSE_STORE: 'redis', GATEHOUSE_REDIS_PREFIX: 'gh:' }).rateLimitStore).toEqual({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'gh:',
    });
  });

  it('lets the counters live in Redis while users stay in memory', () => {
    const config = parseConfig({ GATEHOUSE_RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://10.0.0.2:6380' });
    expect(config.store.kind).toBe('memory');
    expect(config.rateLimitStore).toMatchObject({ kind: 'redis', url: 'redis://10.0.0.2:6380' });
  });

  it('names the variable of a malformed login budget', () => {
    expect(issuesOf({ GATEHOUSE_LOGIN_LIMIT_EMAIL_IP: '5/900' })[0]).toMatch(/^GATEHOUSE_LOGIN_LIMIT_EMAIL_IP:/);
    expect(issuesOf({ GATEHOUSE_LOGIN_LIMIT_IP: '0/60/60' })[0]).toMatch(/^GATEHOUSE_LOGIN_LIMIT_IP:/);
    expect(issuesOf({ GATEHOUSE_RATE_LIMIT_STORE: 'disk' })[0]).toMatch(/^GATEHOUSE_RATE_LIMIT_STORE:/);
  });

  it('refuses per-process counters in production', () => {
    const issues = issuesOf({ GATEHOUSE_ENV: 'production', GATEHOUSE_STORE: 'redis', GATEHOUSE_RATE_LIMIT_STORE: 'memory' });
    expect(issues.some((issue) => issue.startsWith('GATEHOUSE_RATE_LIMIT_STORE:'))).toBe(true);
  });
});

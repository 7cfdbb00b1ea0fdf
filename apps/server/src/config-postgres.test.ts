import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { configIssues } from '../test-support/config-issues.js';

describe('GATEHOUSE_STORE=postgres', () => {
  it('keeps records in PostgreSQL and the hot state (tokens, limits, codes, counters) in Redis', () => {
    const config = parseConfig({ GATEHOUSE_STORE: 'postgres', REDIS_URL: 'redis://cache:6380', DATABASE_URL: 'postgresql://db.internal:5433/auth' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://db.internal:5433/auth', timeoutMs: 2_000, poolSize: 10, cacheTtlMs: 1_000 });
    expect(config.store).toEqual({ kind: 'redis', url: 'redis://cache:6380', keyPrefix: 'gatehouse:' });
    expect(config.rateLimitStore).toMatchObject({ kind: 'redis', url: 'redis://cache:6380' });
  });

  it('defaults to the local gatehouse database, and has no database on the other stores', () => {
    expect(parseConfig({ GATEHOUSE_STORE: 'postgres' }).database?.url).toBe('postgres://127.0.0.1:5432/gatehouse');
    expect(parseConfig({ GATEHOUSE_STORE: 'redis' }).database).toBeUndefined();
    expect(parseConfig({}).database).toBeUndefined();
  });

  it('is a store production accepts', () => {
    expect(configIssues({ GATEHOUSE_ENV: 'production', GATEHOUSE_STORE: 'postgres' }).filter((issue) => issue.startsWith('GATEHOUSE_STORE'))).toEqual([]);
  });

  it('never prints the password of a DATABASE_URL it refuses', () => {
    const issues = configIssues({ GATEHOUSE_STORE: 'postgres', DATABASE_URL: 'mysql://admin:s3cret-pw@db/auth' });
    expect(issues.join('\n')).toContain('DATABASE_URL');
    expect(issues.join('\n')).not.toContain('s3cret-pw');
  });
});

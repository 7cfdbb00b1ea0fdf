import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

describe('REDIS_CLUSTER_NODES and GATEHOUSE_REFRESH_GRACE_SECONDS', () => {
  it('puts every Redis use on the cluster given as host:port seed nodes', () => {
    const config = parseConfig({ GATEHOUSE_STORE: 'redis', REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' });
    const nodes = [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-b', port: 7001 }, { host: '::1', port: 7002 }];
    expect(config.store).toMatchObject({ kind: 'redis', clusterNodes: nodes });
    expect(config.rateLimitStore).toMatchObject({ kind: 'redis', clusterNodes: nodes });
  });

  it('names the variable and the entry that is not host:port', () => {
    for (const value of ['10.0.0.1', 'redis:99999', ' , ']) {
      expect(() => parseConfig({ GATEHOUSE_STORE: 'redis', REDIS_CLUSTER_NODES: value })).toThrow(ConfigError);
    }
    expect(() => parseConfig({ REDIS_CLUSTER_NODES: 'a:1,b' })).toThrow(/REDIS_CLUSTER_NODES.*"b" is not host:port/);
  });

  it('keeps refresh grace off unless set, and bounds it', () => {
    expect(parseConfig({}).refreshGraceSeconds).toBe(0);
    expect(parseConfig({ GATEHOUSE_REFRESH_GRACE_SECONDS: '10' }).refreshGraceSeconds).toBe(10);
    expect(() => parseConfig({ GATEHOUSE_REFRESH_GRACE_SECONDS: '61' })).toThrow(/GATEHOUSE_REFRESH_GRACE_SECONDS/);
  });
});

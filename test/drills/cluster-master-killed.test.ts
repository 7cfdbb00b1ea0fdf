import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure } from '../support/http.js';
import { TEST_AUDIT_KEY } from '../support/redis-env.js';
import { loginForSession, refreshWithBody, registerUser } from '../support/sessions.js';
import { startGatehouse, type RunningGatehouse } from '../support/start-gatehouse.js';
import { READINESS_REUSE_MS } from '../../apps/server/src/http/health-routes.js';
import { startRedisCluster, type RunningRedisCluster } from '../cluster/start-redis-cluster.js';
import { reportDrill, timeUntil } from './drill-report.js';

describe('drill: a Redis Cluster master killed under a running Gatehouse', () => {
  let cluster: RunningRedisCluster;
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    // A cluster of its own: killing a node of the project's shared cluster would fail other files' tests.
    cluster = await startRedisCluster({ nodeTimeoutMs: 1_000 });
    gatehouse = await startGatehouse({
      env: {
        GATEHOUSE_STORE: 'redis',
        REDIS_CLUSTER_NODES: cluster.nodesSetting,
        GATEHOUSE_REDIS_PREFIX: 'failover:',
        GATEHOUSE_AUDIT_HMAC_KEY: TEST_AUDIT_KEY,
        GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: '1000',
      },
    });
  }, 90_000);
  afterAll(async () => {
    await gatehouse?.close();
    await cluster?.stop();
  });

  const readiness = async () => {
    const answer = await fetch(`${gatehouse.url}/readyz`);
    return { status: answer.status, body: (await answer.json()) as unknown };
  };

  it('recovers once a replica is promoted, without a restart, and keeps what was committed', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const familyId = session.refreshToken.split('.')[0] ?? '';
    // Replication is asynchronous: give the replicas the login's writes before the crash (loopback: milliseconds).
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect((await readiness()).status).toBe(200);

    // Readiness probed throughout: a load balancer must be told while a master is gone and no replica has its
    // slots yet (a PING to any one node would say ready), and told again once the promoted replica answers.
    let probing = true;
    const probes: Array<{ status: number; body: unknown; startedAt: number; endedAt: number }> = [];
    const prober = (async () => {
      while (probing) {
        const startedAt = performance.now();
        probes.push({ ...(await readiness()), startedAt, endedAt: performance.now() });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // The master holding this session's family: the drill takes away exactly the state the session needs.
    const failover = await cluster.killMasterOf(`failover:tokens:{f:${familyId}}:family`);
    const started = performance.now();
    const killedAt = started - failover.failoverMs;
    const recoveryMs = await timeUntil(async () => {
      const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) });
      return me.status === 200;
    }, 30_000);
    const readyAgainMs = await timeUntil(async () => (await readiness()).status === 200, 30_000);
    probing = false;
    await prober;
    // Between the kill (plus the 1 s a readiness answer is reused) and the promotion, every probe says not ready.
    const whileMasterGone = probes.filter((probe) => probe.startedAt >= killedAt + READINESS_REUSE_MS + 100 && probe.endedAt <= started);
    expect(whileMasterGone.length).toBeGreaterThan(0);
    for (const probe of whileMasterGone) {
      expect(probe).toMatchObject({ status: 503, body: { status: 'unavailable', failing: ['redis'], checks: { redis: 'down' } } });
    }

    // Nothing committed was lost: the family (on the promoted replica) still rotates, once.
    const refreshed = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(refreshed.status).toBe(200);
    expect((await refreshWithBody(gatehouse.url, session.refreshToken)).status).toBe(401);
    const fresh = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(fresh.accessToken) })).status).toBe(200);
    reportDrill('cluster master killed', {
      killedPort: failover.killedPort,
      promotedPort: failover.promotedPort,
      replicaPromotedMs: failover.failoverMs,
      callsRecoveredAfterPromotionMs: recoveryMs,
      readyAfterCallsRecoveredMs: readyAgainMs,
      readinessProbes503: probes.filter((probe) => probe.status === 503).length,
      probesWhileMasterGone: whileMasterGone.length,
      totalMs: Math.round(failover.failoverMs + (performance.now() - started)),
    });
  }, 90_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../apps/server/test-support/redis-test-namespace.js';
import { hashRefreshToken } from '../../apps/server/src/tokens/refresh-tokens.js';
import { redisEnv } from '../support/redis-env.js';
import { loginForSession, refreshWithBody, registerUser, type Session } from '../support/sessions.js';
import { removeServerBuild, spawnGatehouse, type SpawnedGatehouse } from '../support/spawn-gatehouse.js';
import { startGatehouse, type RunningGatehouse } from '../support/start-gatehouse.js';
import { reportDrill } from './drill-report.js';

const SESSIONS = 40;

describe('drill: a Gatehouse process SIGKILLed while it rotates refresh tokens', () => {
  let namespace: RedisTestNamespace;
  let survivor: RunningGatehouse;
  let victim: SpawnedGatehouse;
  beforeAll(async () => {
    namespace = await createRedisTestNamespace('rotation-crash');
    const env = { ...redisEnv(namespace), GATEHOUSE_LIMIT_PUBLIC: '100000/3600', GATEHOUSE_LIMIT_AUTHENTICATED: '100000/60' };
    survivor = await startGatehouse({ env });
    victim = await spawnGatehouse(env, { listenTimeoutMs: 45_000 });
  }, 90_000);
  afterAll(async () => {
    await victim?.stop('SIGKILL');
    await survivor?.close();
    await removeServerBuild();
    await namespace?.cleanup();
  });

  it('leaves no family half-rotated: each old token is still valid, or it is spent and its successor exists', async () => {
    const user = await registerUser(survivor.url);
    const sessions: Session[] = [];
    for (let index = 0; index < SESSIONS; index += 1) sessions.push(await loginForSession(survivor.url, user));

    // Every session refreshes at once on the victim, which is killed as soon as the first answer is back.
    let answered = 0;
    const refreshes = sessions.map((session) =>
      refreshWithBody(victim.url, session.refreshToken).then(
        (answer) => {
          answered += 1;
          if (answered === 1) void victim.stop('SIGKILL');
          return answer.status;
        },
        () => 'connection lost' as const,
      ),
    );
    const outcomes = await Promise.all(refreshes);

    let unspent = 0;
    let unspentIndex = -1;
    let rotatedUnanswered = 0;
    for (const [index, session] of sessions.entries()) {
      const familyId = session.refreshToken.split('.')[0] ?? '';
      const tag = `${namespace.prefix}tokens:{f:${familyId}}`;
      const family = await namespace.redis.hget(`${tag}:family`, 'revoked');
      expect(family, `family ${index} exists and is not revoked`).toBe('0');
      const tokens = await namespace.keys(`${tag}:rt:*`);
      const used = await Promise.all(tokens.map((key) => namespace.redis.hget(key, 'usedAt')));
      const oldKey = `${tag}:rt:${hashRefreshToken(session.refreshToken)}`;
      const oldUsed = used[tokens.indexOf(oldKey)] ?? null;
      // Exactly one live token per family, whatever the crash interrupted.
      expect(used.filter((usedAt) => usedAt === null), `family ${index}`).toHaveLength(1);
      if (oldUsed === null) {
        expect(tokens).toEqual([oldKey]);
        unspent += 1;
        unspentIndex = index;
      } else {
        expect(tokens).toHaveLength(2);
        if (outcomes[index] !== 200) rotatedUnanswered += 1;
      }
    }
    // A token the crash left unspent still works, on the surviving instance.
    if (unspentIndex >= 0) expect((await refreshWithBody(survivor.url, sessions[unspentIndex]?.refreshToken ?? '')).status).toBe(200);
    reportDrill('gatehouse SIGKILLed mid-rotation', {
      sessions: SESSIONS,
      answered: outcomes.filter((outcome) => outcome === 200).length,
      lostConnections: outcomes.filter((outcome) => outcome === 'connection lost').length,
      oldTokenStillValid: unspent,
      rotatedButAnswerLost: rotatedUnanswered,
      halfRotated: 0,
    });
  }, 90_000);
});

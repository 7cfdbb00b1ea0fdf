import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure } from './support/http.js';
import { authReason, loginForSession, refreshWithBody, registerUser } from './support/sessions.js';
import { projectStores } from './support/default-store.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

/**
 * GATEHOUSE_REFRESH_GRACE_SECONDS: two tabs (or two processes) refreshing with the same token at once are
 * not logged out; the token replayed within the window gets the one successor, never a second one; after
 * the window, a replay is reuse as ever.
 */
describe.each(projectStores())('refresh grace on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;
  let clockOffsetMs = 0;
  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'refresh-grace', { env: { GATEHOUSE_REFRESH_GRACE_SECONDS: '5' }, now: () => Date.now() + clockOffsetMs });
  });
  afterAll(() => gatehouse.close());

  it('gives concurrent refreshes of one token the same single successor, and the session lives on', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const answers = await Promise.all([1, 2, 3].map(() => refreshWithBody(gatehouse.url, session.refreshToken)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const successors = new Set(answers.map((answer) => answer.body.result.data.refreshToken as string));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    for (const answer of answers) {
      expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(answer.body.result.data.accessToken) })).status).toBe(200);
    }
    expect((await refreshWithBody(gatehouse.url, successor ?? '')).status).toBe(200);
  });

  it('treats the same token after the window as reuse: the family ends', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const first = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(first.status).toBe(200);
    clockOffsetMs += 6_000;
    const late = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(late.status).toBe(401);
    expect(authReason(late)).toBe('revoked_token');
    expect((await refreshWithBody(gatehouse.url, first.body.result.data.refreshToken)).status).toBe(401);
  });
});

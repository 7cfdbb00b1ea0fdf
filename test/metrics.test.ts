import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, callProcedure, login } from './support/http.js';
import { sampleValue, scrape } from './support/metrics.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

let gatehouse: RunningGatehouse;
let other: RunningGatehouse;
let alice: { accessToken: string; user: { id: string } };

beforeAll(async () => {
  [gatehouse, other] = await Promise.all([
    startGatehouse({ env: { GATEHOUSE_ENUMERATION_LIMIT: '1/60', GATEHOUSE_ENUMERATION_BLOCK: '60' } }),
    startGatehouse(),
  ]);
  alice = await login(gatehouse.url, TEST_USERS.alice);
});
afterAll(() => Promise.all([gatehouse.close(), other.close()]));

describe('GET /metrics', () => {
  it('is served on its own loopback listener in Prometheus text format, not on the API port', async () => {
    const metricsUrl = gatehouse.server.metrics.url;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(gatehouse.url);
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toMatch(/^# HELP gatehouse_calls_total/m);
    expect((await fetch(`${gatehouse.url}/metrics`)).status).toBe(404);
  });

  it('counts a 401, a 403 and a 429 by reason, each exactly once', async () => {
    const before = await scrape(gatehouse.server.metrics.url);

    expect((await callProcedure(gatehouse.url, 'users.me')).status).toBe(401);
    expect((await callProcedure(gatehouse.url, 'admin.users.list', { headers: bearer(alice.accessToken) })).status).toBe(403);
    // GATEHOUSE_ENUMERATION_LIMIT=1/60: the second miss crosses it, the next lookup is refused.
    for (let index = 0; index < 2; index += 1) {
      expect((await callProcedure(gatehouse.url, 'orders.byId', { input: { id: randomUUID() }, headers: bearer(alice.accessToken) })).status).toBe(404);
    }
    expect((await callProcedure(gatehouse.url, 'orders.byId', { input: { id: randomUUID() }, headers: bearer(alice.accessToken) })).status).toBe(429);

    const delta = async (name: string, labels: Record<string, string>) =>
      sampleValue(await scrape(gatehouse.server.metrics.url), name, labels) - sampleValue(before, name, labels);
    expect(await delta('gatehouse_auth_failures_total', { status: '401', reason: 'missing_credentials' })).toBe(1);
    expect(await delta('gatehouse_auth_failures_total', { status: '403', reason: 'insufficient_scope' })).toBe(1);
    expect(await delta('gatehouse_rate_limited_total', { policy: 'abuse.enumeration' })).toBe(1);
    expect(await delta('gatehouse_calls_total', { procedure: 'users.me', outcome: 'UNAUTHORIZED' })).toBe(1);
    expect(await delta('gatehouse_calls_total', { procedure: 'orders.byId', outcome: 'NOT_FOUND' })).toBe(2);
    expect(await delta('gatehouse_calls_total', { procedure: 'orders.byId', outcome: 'TOO_MANY_REQUESTS' })).toBe(1);
    expect(await delta('gatehouse_call_duration_seconds_count', { procedure: 'admin.users.list', outcome: 'FORBIDDEN' })).toBe(1);
    expect(await delta('gatehouse_http_responses_total', { status: '429' })).toBe(1);
    // One block, two abuse events: the IP and alice were both caught.
    await vi.waitFor(async () => expect(await delta('gatehouse_abuse_events_total', { pattern: 'enumeration' })).toBe(2));
    expect(await delta('gatehouse_security_events_total', { type: 'authz.denied' })).toBe(1);
  });

  it('counts failed logins from the events', async () => {
    const before = sampleValue(await scrape(gatehouse.server.metrics.url), 'gatehouse_login_failures_total');
    await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email: TEST_USERS.bob.email, password: 'nope-nope-nope' } });
    await vi.waitFor(async () => expect(sampleValue(await scrape(gatehouse.server.metrics.url), 'gatehouse_login_failures_total')).toBe(before + 1));
  });

  it('keeps one registry per server: another server in the same process counts only its own calls', async () => {
    const missing = { status: '401', reason: 'missing_credentials' };
    const before = sampleValue(await scrape(gatehouse.server.metrics.url), 'gatehouse_auth_failures_total', missing);
    for (let call = 0; call < 3; call += 1) expect((await callProcedure(gatehouse.url, 'users.me')).status).toBe(401);
    expect((await callProcedure(other.url, 'users.me')).status).toBe(401);

    // `other` serves this test alone, so its counts are absolute: one 401, none of the three sent to `gatehouse`.
    const exposition = await scrape(other.server.metrics.url);
    expect(exposition).toMatch(/^gatehouse_auth_failures_total\{[^}]*reason="missing_credentials"[^}]*\} 1$/m);
    expect(sampleValue(exposition, 'gatehouse_auth_failures_total')).toBe(1);
    expect(sampleValue(exposition, 'gatehouse_calls_total', { procedure: 'users.me', outcome: 'UNAUTHORIZED' })).toBe(1);
    expect(exposition).toMatch(/^gatehouse_credential_stuffing_active 0$/m);
    expect(sampleValue(await scrape(gatehouse.server.metrics.url), 'gatehouse_auth_failures_total', missing)).toBe(before + 3);
  });
});

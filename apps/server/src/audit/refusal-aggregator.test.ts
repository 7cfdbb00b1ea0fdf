import { describe, expect, it } from 'vitest';
import { createRefusalAggregator } from './refusal-aggregator.js';
import type { SecurityEvent, SecurityEventType } from './security-events.js';

function collector() {
  const written: SecurityEvent[] = [];
  return { written, sink: { record: (event: SecurityEvent) => void written.push(event) } };
}

let clock = 0;
const now = () => clock;

function event(type: SecurityEventType, details: SecurityEvent['details'], principal?: string, ip = '198.51.100.7'): SecurityEvent {
  return { time: new Date(clock).toISOString(), type, ip, requestId: `r-${clock}`, principal, details };
}

describe('refusal aggregation in front of the audit log', () => {
  it('writes the first refusal at once and the repeats of its window as one record with their count', async () => {
    const { written, sink } = collector();
    const aggregator = createRefusalAggregator(sink, { windowMs: 60_000, now });
    clock = 1_000;
    for (let call = 0; call < 500; call += 1) {
      clock += 10;
      await aggregator.record(event('authz.denied', { path: 'admin.users.list', reason: 'insufficient_scope' }, 'user:u-1'));
    }
    expect(written).toHaveLength(1);
    clock += 60_000;
    await aggregator.sweep();
    expect(written).toHaveLength(2);
    expect(written[1]).toMatchObject({ type: 'authz.denied', principal: 'user:u-1', count: 499, details: { path: 'admin.users.list' } });
    expect(Date.parse(written[1]?.lastTime ?? '')).toBeGreaterThan(Date.parse(written[1]?.time ?? ''));
  });

  it('keeps principals, IPs, procedures and policies apart', async () => {
    const { written, sink } = collector();
    const aggregator = createRefusalAggregator(sink, { windowMs: 60_000, now });
    await aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-1'));
    await aggregator.record(event('authz.denied', { path: 'b' }, 'user:u-1'));
    await aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-2'));
    await aggregator.record(event('ratelimit.exceeded', { path: 'auth.register', policy: 'auth.register' }, undefined, '198.51.100.1'));
    await aggregator.record(event('ratelimit.exceeded', { path: 'auth.register', policy: 'auth.register' }, undefined, '198.51.100.2'));
    expect(written).toHaveLength(5);
  });

  it('never aggregates events that are not repeatable refusals', async () => {
    const { written, sink } = collector();
    const aggregator = createRefusalAggregator(sink, { windowMs: 60_000, now });
    for (let call = 0; call < 3; call += 1) await aggregator.record(event('token.reuse_detected', { clientId: 'gatehouse' }, 'user:u-1'));
    expect(written).toHaveLength(3);
  });

  it('names the details that differed between repeats instead of claiming the first one for all', async () => {
    const { written, sink } = collector();
    const aggregator = createRefusalAggregator(sink, { windowMs: 60_000, now });
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io']) await aggregator.record(event('login.blocked', { email, policy: 'auth.login:ip' }));
    await aggregator.flush();
    expect(written[1]).toMatchObject({ count: 2, details: { policy: 'auth.login:ip', varied: ['email'] } });
    expect(written[1]?.details).not.toHaveProperty('email');
  });

  it('writes a single repeat as a plain record, and closes the oldest window early when too many are open', async () => {
    const { written, sink } = collector();
    const aggregator = createRefusalAggregator(sink, { windowMs: 60_000, now, maxOpenWindows: 2 });
    await aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-1'));
    await aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-1'));
    await aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-2'));
    await aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-3'));
    expect(written.map((record) => [record.principal, record.count])).toEqual([
      ['user:u-1', undefined],
      ['user:u-2', undefined],
      ['user:u-3', undefined],
      ['user:u-1', undefined],
    ]);
  });

  it('loses no repeat when refusals arrive while the previous window is still being written', async () => {
    const written: SecurityEvent[] = [];
    const slowSink = { record: async (written_: SecurityEvent) => void (await new Promise((resolve) => setTimeout(resolve, 5)), written.push(written_)) };
    const aggregator = createRefusalAggregator(slowSink, { windowMs: 60_000, now });
    clock = 0;
    for (let call = 0; call < 4; call += 1) await aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-1'));
    clock = 61_000;
    await Promise.all(Array.from({ length: 50 }, () => aggregator.record(event('authz.denied', { path: 'a' }, 'user:u-1'))));
    await aggregator.flush();
    expect(written.reduce((sum, record) => sum + (record.count ?? 1), 0)).toBe(54);
    expect(written).toHaveLength(4);
  });
});

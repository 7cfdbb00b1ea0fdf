import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createSecurityEvents, type SecurityEvent } from '../audit/security-events.js';
import { createMetrics } from '../metrics/create-metrics.js';
import type { VerifiedAccessToken } from '../tokens/verified-access-token.js';
import { createNetworkHasher } from '../tokens/network-hash.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { createTokenNetworkCheck } from './token-network.js';

const networks = createNetworkHasher(new Uint8Array(32).fill(5));

function setUp(options: { maxTracked?: number; signalIntervalMs?: number } = {}) {
  // A real epoch, not 0: an interval measured from the wrong end would pass at 0.
  const clock = { now: 1_800_000_000_000 };
  const events = createSecurityEvents(pino({ level: 'silent' }));
  const seen: SecurityEvent[] = [];
  events.addSink({ record: (event) => void seen.push(event) });
  const metrics = createMetrics();
  const check = createTokenNetworkCheck({ networks, events, metrics, now: () => clock.now, ...options });
  const counted = async (pinned: 'true' | 'false') =>
    (await metrics.tokenNetworkChanges.get()).values.find((value) => value.labels['pinned'] === pinned)?.value ?? 0;
  // Sinks run a microtask after emit.
  const signals = async () => (await Promise.resolve(), seen.filter((event) => event.type === 'token.ip_mismatch'));
  return { clock, check, counted, signals };
}

const tokenFrom = (ip: string | undefined, pinned = false, jti = 'jti-1', grant: VerifiedAccessToken['grant'] = 'user'): VerifiedAccessToken => ({
  subject: grant === 'user' ? 'user-1' : 'billing',
  clientId: grant === 'user' ? 'gatehouse' : 'billing',
  scopes: [],
  jti,
  grant,
  issuedAt: 0,
  expiresAt: 900,
  sessionId: undefined,
  ...(ip === undefined ? {} : { networkHash: networks.hashOf(ip), networkPinned: pinned }),
});

function refusal(run: () => unknown): AuthFailureError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthFailureError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('createTokenNetworkCheck', () => {
  it('tells the same network, a moved token and a token that recorded none apart', () => {
    const { check } = setUp();
    expect(check.check(tokenFrom('203.0.113.1'), { ip: '203.0.113.77', requestId: 'r' })).toBe('same');
    expect(check.check(tokenFrom('203.0.113.1'), { ip: '198.51.100.1', requestId: 'r' })).toBe('moved');
    expect(check.check(tokenFrom(undefined), { ip: '198.51.100.1', requestId: 'r' })).toBe('unrecorded');
    expect(check.check(tokenFrom('203.0.113.1'), undefined)).toBe('unrecorded');
  });

  it('counts every move but logs token.ip_mismatch once per token per interval, with both hashes and the request id', async () => {
    const { clock, check, counted, signals } = setUp();
    for (let call = 0; call < 5; call += 1) check.check(tokenFrom('203.0.113.1'), { ip: '198.51.100.1', requestId: `r${call}` });
    check.check(tokenFrom('203.0.113.1', false, 'jti-2'), { ip: '198.51.100.1', requestId: 'other' });
    expect(await counted('false')).toBe(6);
    const logged = await signals();
    expect(logged.map((event) => event.requestId)).toEqual(['r0', 'other']);
    expect(logged[0]).toMatchObject({
      ip: '198.51.100.1',
      principal: 'user:user-1',
      details: { tokenId: 'jti-1', clientId: 'gatehouse', issuedNetwork: networks.hashOf('203.0.113.1'), callNetwork: networks.hashOf('198.51.100.1'), pinned: false },
    });
    // The default interval is a minute: a second before it, still quiet.
    clock.now += 59_999;
    check.check(tokenFrom('203.0.113.1'), { ip: '198.51.100.1', requestId: 'too-soon' });
    clock.now += 1;
    check.check(tokenFrom('203.0.113.1'), { ip: '198.51.100.1', requestId: 'later' });
    expect((await signals()).map((event) => event.requestId)).toEqual(['r0', 'other', 'later']);
  });

  it('names a client_credentials token’s caller as the client', async () => {
    const { check, signals } = setUp();
    check.check(tokenFrom('203.0.113.1', false, 'jti-c', 'client_credentials'), { ip: '198.51.100.1', requestId: 'r' });
    expect((await signals())[0]).toMatchObject({ principal: 'client:billing', details: { tokenId: 'jti-c', clientId: 'billing' } });
  });

  it('logs a token again after the interval it was given', async () => {
    const { clock, check, signals } = setUp({ signalIntervalMs: 5_000 });
    check.check(tokenFrom('203.0.113.1'), { ip: '198.51.100.1', requestId: 'first' });
    clock.now += 5_000;
    check.check(tokenFrom('203.0.113.1'), { ip: '198.51.100.1', requestId: 'second' });
    expect((await signals()).map((event) => event.requestId)).toEqual(['first', 'second']);
  });

  it('remembers as many tokens as its bound, not one fewer', async () => {
    const { check, signals } = setUp({ maxTracked: 2 });
    for (const jti of ['a', 'b', 'a']) check.check(tokenFrom('203.0.113.1', false, jti), { ip: '198.51.100.1', requestId: jti });
    expect((await signals()).map((event) => event.requestId)).toEqual(['a', 'b']);
  });

  it('forgets the oldest tokens past its bound instead of growing', async () => {
    const { check, signals } = setUp({ maxTracked: 2 });
    for (const jti of ['a', 'b', 'c', 'a']) check.check(tokenFrom('203.0.113.1', false, jti), { ip: '198.51.100.1', requestId: jti });
    // 'a' was pushed out by 'c', so its next move is logged again: a bounded memory, not a silenced token.
    expect((await signals()).map((event) => event.requestId)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('refuses a moved pinned token, or a pinned one with nothing to compare with, as invalid_token network_changed', async () => {
    const { check, counted } = setUp();
    const pinned = tokenFrom('203.0.113.1', true);
    expect(check.check(pinned, { ip: '203.0.113.5', requestId: 'r' })).toBe('same');
    for (const origin of [{ ip: '198.51.100.1', requestId: 'r' }, undefined]) {
      const error = refusal(() => check.check(pinned, origin));
      expect(error.data).toEqual({ reason: 'invalid_token', detail: 'network_changed' });
      expect(error.status).toBe('UNAUTHORIZED');
    }
    expect(await counted('true')).toBe(1);
  });
});

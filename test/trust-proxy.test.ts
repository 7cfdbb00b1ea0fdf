import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callProcedure } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';

/**
 * auth.register is counted per client IP (10 per hour) before its input is
 * read, so an empty input spends budget without creating anyone: which IP the
 * server believed shows in the budget it spends.
 */
const countedCall = (gatehouse: RunningGatehouse, forwardedFor?: string) =>
  callProcedure(gatehouse.url, 'auth.register', {
    kind: 'mutation',
    input: {},
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  });

const remaining = (response: { headers: Headers }) => Number(response.headers.get('x-ratelimit-remaining'));

describe('client IP without a trusted proxy', () => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: {} });
  });
  afterAll(() => gatehouse.close());

  it('ignores a spoofed X-Forwarded-For: rotating it buys no fresh budget', async () => {
    const counts = [];
    for (const spoofed of [undefined, '1.1.1.1', '2.2.2.2, 3.3.3.3', '2001:db8::1']) counts.push(remaining(await countedCall(gatehouse, spoofed)));
    expect(counts).toEqual([9, 8, 7, 6]);
  });
});

describe('client IP behind a trusted proxy (CIDR list)', () => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { GATEHOUSE_TRUST_PROXY: '127.0.0.1/32, 10.0.0.0/8' } });
  });
  afterAll(() => gatehouse.close());

  it('takes the first untrusted hop from the right, never the client-written leftmost entry', async () => {
    // The client wrote 6.6.6.6 itself; 198.51.100.9 is what the trusted 10.0.0.5 proxy saw.
    const first = await countedCall(gatehouse, '6.6.6.6, 198.51.100.9, 10.0.0.5');
    const leftmostChanged = await countedCall(gatehouse, '7.7.7.7, 198.51.100.9, 10.0.0.5');
    expect([remaining(first), remaining(leftmostChanged)]).toEqual([9, 8]);
    const otherClient = await countedCall(gatehouse, '6.6.6.6, 198.51.100.10, 10.0.0.5');
    expect(remaining(otherClient)).toBe(9);
  });

  it('counts IPv6 clients by their /64', async () => {
    const a = await countedCall(gatehouse, '2001:db8:aa:bb::1, 10.0.0.5');
    const b = await countedCall(gatehouse, '2001:db8:aa:bb:ffff::2, 10.0.0.5');
    const c = await countedCall(gatehouse, '2001:db8:aa:cc::1, 10.0.0.5');
    expect([remaining(a), remaining(b), remaining(c)]).toEqual([9, 8, 9]);
  });
});

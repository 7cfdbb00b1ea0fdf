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

/**
 * Every accepted GATEHOUSE_TRUST_PROXY form whose proxies do not include the
 * test's own address (127.0.0.1): the test is then a client that connects
 * directly, and whatever X-Forwarded-For it writes, its IP stays its socket's.
 */
const DIRECT_CLIENT_SETTINGS = ['false', '0', '192.0.2.0/24', '192.0.2.0/24,hops=2', '2001:db8::/32, 198.51.100.10, hops=1'];

describe.each(DIRECT_CLIENT_SETTINGS)('a client that connects directly, with GATEHOUSE_TRUST_PROXY=%j', (setting) => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    // Three failed logins per IP, then 429: the per-IP budget an attacker would reset by rotating X-Forwarded-For.
    gatehouse = await startGatehouse({ env: { GATEHOUSE_TRUST_PROXY: setting, GATEHOUSE_LOGIN_LIMIT_IP: '3/86400/86400' } });
  });
  afterAll(() => gatehouse.close());

  it('cannot choose its IP: eight logins with rotating X-Forwarded-For get 429 after the third', async () => {
    const statuses = [];
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      const response = await callProcedure(gatehouse.url, 'auth.login', {
        kind: 'mutation',
        // A new email each time, so only the per-IP budget can stop the run.
        input: { email: `victim-${attempt}@example.com`, password: 'not-the-password' },
        headers: { 'x-forwarded-for': attempt % 2 === 0 ? `203.0.113.${attempt}` : `192.0.2.${attempt}, 203.0.113.${attempt}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
  });
});

describe('client IP behind trusted proxies with a hop count', () => {
  let oneHop: RunningGatehouse;
  let twoHops: RunningGatehouse;
  beforeAll(async () => {
    [oneHop, twoHops] = await Promise.all([
      startGatehouse({ env: { GATEHOUSE_TRUST_PROXY: '127.0.0.1,10.0.0.0/8,hops=1' } }),
      startGatehouse({ env: { GATEHOUSE_TRUST_PROXY: '127.0.0.1,10.0.0.0/8,hops=2' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([oneHop.close(), twoHops.close()]);
  });

  it('believes only as many listed proxies as hops allows', async () => {
    // 198.51.100.9 -> 10.0.0.5 -> (loopback) -> Gatehouse. With one hop, only the socket's peer vouches: the client is 10.0.0.5.
    const viaOne = [await countedCall(oneHop, '198.51.100.9, 10.0.0.5'), await countedCall(oneHop, '198.51.100.10, 10.0.0.5')];
    expect(viaOne.map(remaining)).toEqual([9, 8]);
    const viaTwo = [await countedCall(twoHops, '198.51.100.9, 10.0.0.5'), await countedCall(twoHops, '198.51.100.10, 10.0.0.5')];
    expect(viaTwo.map(remaining)).toEqual([9, 9]);
  });

  it('never believes an unlisted hop, however many hops are allowed', async () => {
    // 203.0.113.7 is no listed proxy: what it claims to have seen (6.6.6.6) is not believed.
    const first = await countedCall(twoHops, '6.6.6.6, 203.0.113.7');
    const second = await countedCall(twoHops, '7.7.7.7, 203.0.113.7');
    expect([remaining(first), remaining(second)]).toEqual([9, 8]);
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

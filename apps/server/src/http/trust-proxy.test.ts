import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../config.js';
import { clientAddressOf, hostOf, protocolOf, proxyTrustFor, trustProxyOption } from './trust-proxy.js';
import { trustProxySetting } from './trust-proxy-setting.js';

// The fast lane reads the client's address, scheme and host before Fastify does; for every trust setting and
// every forwarded header, it must read what Fastify's request.ip, request.protocol and request.host say.
const apps: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

async function readBoth(trustProxy: Config['trustProxy']): Promise<(headers: Record<string, string>) => Promise<{ fastify: unknown; lane: unknown }>> {
  const app = Fastify({ trustProxy: trustProxyOption(trustProxy) });
  apps.push(app);
  const trust = proxyTrustFor(trustProxy);
  app.get('/facts', async (request) => ({
    fastify: { ip: request.ip, protocol: request.protocol, host: request.host },
    lane: { ip: clientAddressOf(request.raw, trust), protocol: protocolOf(request.raw, trust), host: hostOf(request.raw, trust) },
  }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return async (headers) => (await fetch(`${url}/facts`, { headers })).json() as Promise<{ fastify: unknown; lane: unknown }>;
}

const FORWARDED = [
  {},
  { 'x-forwarded-for': '198.51.100.7' },
  { 'x-forwarded-for': '203.0.113.1, 198.51.100.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' },
  { 'x-forwarded-for': '10.1.2.3, 198.51.100.7', 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'a.example, b.example' },
  { 'x-forwarded-proto': 'https' },
];

describe('the fast lane reads requests through the trust-proxy rules Fastify applies', () => {
  for (const value of ['false', '127.0.0.1', '10.0.0.0/8,127.0.0.1', '192.0.2.0/24', '127.0.0.1,10.0.0.0/8,hops=1', '10.0.0.0/8,127.0.0.1,hops=2']) {
    it(`agrees with Fastify for GATEHOUSE_TRUST_PROXY=${value}`, async () => {
      const ask = await readBoth(trustProxySetting.parse(value));
      for (const headers of FORWARDED) {
        const { fastify, lane } = await ask(headers);
        expect(lane).toEqual(fastify);
      }
    });
  }

  it('never believes a forwarded address from an untrusted peer', async () => {
    const ask = await readBoth(trustProxySetting.parse('192.0.2.0/24,hops=2'));
    const { lane } = await ask({ 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' });
    expect(lane).toMatchObject({ ip: '127.0.0.1', protocol: 'http' });
  });
});

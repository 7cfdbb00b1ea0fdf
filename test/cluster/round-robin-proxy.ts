import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small load balancer on loopback: each request goes to the next upstream
 * in turn, as a round-robin balancer in front of several Gatehouse instances
 * would send it. It adds X-Forwarded-For (the instances trust 127.0.0.1) and
 * keeps the client's own X-Forwarded-For in front, so tests can act from
 * distinct client addresses. Test-only.
 */
export interface RoundRobinProxy {
  /** http://127.0.0.1:<port>: the one address clients use. */
  readonly url: string;
  /** Where requests go, in turn; set once the instances listen (their issuer is this proxy's url). */
  setUpstreams(urls: readonly string[]): void;
  /** How many requests each upstream received. */
  counts(): readonly number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  let upstreams: readonly URL[] = [];
  let served: number[] = [];
  let next = 0;

  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (upstreams.length === 0) {
      outgoing.writeHead(503).end();
      return;
    }
    const index = next % upstreams.length;
    next += 1;
    served[index] = (served[index] ?? 0) + 1;
    const target = upstreams[index] as URL;
    const forwardedFor = [incoming.headers['x-forwarded-for'], incoming.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = request(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host, 'x-forwarded-for': forwardedFor } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    // An instance that died mid-request is a 502, as a real balancer answers.
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstreams(urls) {
      upstreams = urls.map((url) => new URL(url));
      served = urls.map(() => 0);
      next = 0;
    },
    counts: () => [...served],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

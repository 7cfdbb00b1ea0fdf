import type http from 'node:http';
import type https from 'node:https';

/** How long a client may take at each stage before its connection is closed. */
export interface EdgeTimeouts {
  /** The whole header block (slowloris: headers trickled one byte at a time). */
  readonly headersMs: number;
  /** The whole request, headers and body (a body trickled under the size limit). */
  readonly requestMs: number;
  /** A kept-alive connection with no request in flight. */
  readonly keepAliveMs: number;
  /** A connection on which nothing moves either way (a client that stops reading its answer). */
  readonly socketIdleMs: number;
}

/**
 * Suited to an API whose requests are at most GATEHOUSE_BODY_LIMIT_BYTES of
 * JSON or a form: headers arrive in one packet from any real client, and a
 * 1 MB body needs 30 s only below about 35 KB/s. Keep-alive outlasts the
 * 60 s idle timeout of common load balancers (AWS ALB, nginx upstreams), so
 * they close first and never send a request on a connection we are closing
 * (Fastify's own default, 72 s, for the same reason).
 */
export const EDGE_TIMEOUTS: EdgeTimeouts = Object.freeze({
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 72_000,
  socketIdleMs: 120_000,
});

/**
 * The options Node's http and https servers take at creation. Node checks
 * the header and request deadlines every connectionsCheckingInterval (30 s
 * by default, which would let a slow client hold on for up to 40 s past a
 * 10 s deadline), so the check runs at a quarter of the shorter deadline.
 */
export function nodeServerOptions(timeouts: EdgeTimeouts): http.ServerOptions {
  if (timeouts.headersMs > timeouts.requestMs) throw new RangeError('EdgeTimeouts: headersMs must not exceed requestMs');
  return {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(timeouts.headersMs / 4))),
  };
}

/**
 * What Node sets only on the server object. Fastify sets its own defaults
 * (no request timeout at all) only on servers it creates, never on one from
 * serverFactory, which is how both the tRPC fast lane and Fastify's routes
 * are served: these hold for both.
 */
export function applyEdgeTimeouts<TServer extends http.Server | https.Server>(server: TServer, timeouts: EdgeTimeouts): TServer {
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.setTimeout(timeouts.socketIdleMs);
  return server;
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import { createLogger } from '../logger.js';
import { createGatehouseServer, type GatehouseServer } from '../create-server.js';
import { LANE_CHECKED_TRPC_VERSION } from './resolve-json-request.js';
import type { AnyProcedure } from '@trpc/server/unstable-core-do-not-import';
import { contracts } from '@gatehouse/contracts';
import { appRouter } from '../../routers/app-router.js';
import { buildRouter, soleResolverOf } from '../../routers/build-router.js';

/**
 * The fast lane answers plain JSON tRPC calls before Fastify routes them, so
 * no Fastify hook runs for them. What the root hooks do, the lane does itself
 * (trpc-fast-lane.ts); these are the hooks it was checked against, by name.
 * A hook added here is skipped for every call the lane serves: make the lane
 * do what it does (or show it does not apply to tRPC calls), then add its name.
 */
const HOOKS_THE_LANE_WAS_CHECKED_AGAINST = {
  // 503 while closing: the lane hands every request to Fastify once stop() is called.
  // @fastify/helmet's two only serve routes with helmet options; tRPC's route has none.
  // @fastify/cors answers preflights only (OPTIONS), which the lane never admits.
  onRequest: ['refuseWhileClosing', 'helmetConfigureReply', 'helmetApplyHeaders', 'handleCors'],
  // The lane counts its responses in the same counter.
  onResponse: ['countResponse'],
  // The lane stamps request ids into tRPC error bodies itself and calls edgeResponseHeaders, as this hook does.
  onSend: ['stampTrpcErrorAnswers', 'decideResponseHeaders'],
} as const;

const HOOK_KINDS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onResponse', 'onError', 'onTimeout', 'onRequestAbort'] as const;

/** The root instance's request hooks by name (Fastify keeps them under a symbol it does not export). */
function rootHooks(app: FastifyInstance): Record<string, string[]> {
  const symbol = Object.getOwnPropertySymbols(app).find((candidate) => candidate.description === 'fastify.hooks');
  if (symbol === undefined) throw new Error('Fastify no longer keeps its hooks under Symbol(fastify.hooks): update this tripwire');
  const hooks = (app as unknown as Record<symbol, Record<string, Array<(...args: never[]) => unknown>>>)[symbol] ?? {};
  const listed: Record<string, string[]> = {};
  for (const kind of HOOK_KINDS) {
    const names = (hooks[kind] ?? []).map((hook) => hook.name || '<anonymous>');
    if (names.length > 0) listed[kind] = names;
  }
  return listed;
}

let server: GatehouseServer;
beforeAll(async () => {
  const config = parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_PORT: '0', GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_METRICS_PORT: 'off', GATEHOUSE_BCRYPT_COST: '4' });
  server = await createGatehouseServer(config, { logger: createLogger(config) });
  await server.app.ready();
});
afterAll(() => server.close());

describe('tripwires of the tRPC fast lane (http/fast-trpc/trpc-fast-lane.ts)', () => {
  it('the root Fastify hooks are the ones the lane does itself: a new one would be skipped for every lane call', () => {
    expect(
      rootHooks(server.app),
      'The root Fastify hooks changed. The tRPC fast lane (http/fast-trpc/trpc-fast-lane.ts) answers before any hook runs: ' +
        'make it do what the new hook does, then update HOOKS_THE_LANE_WAS_CHECKED_AGAINST.',
    ).toEqual(HOOKS_THE_LANE_WAS_CHECKED_AGAINST);
  });

  it('@trpc/server is the version resolveJsonRequest follows step for step', () => {
    const require = createRequire(import.meta.url);
    const installed = (JSON.parse(readFileSync(require.resolve('@trpc/server/package.json'), 'utf8')) as { version: string }).version;
    expect(
      installed,
      `@trpc/server is ${installed}; the fast lane (http/fast-trpc/resolve-json-request.ts) follows resolveResponse of ${LANE_CHECKED_TRPC_VERSION}. ` +
        'Compare the two versions’ resolveResponse, update the lane, run test/fast-trpc-conformance.test.ts, then LANE_CHECKED_TRPC_VERSION.',
    ).toBe(LANE_CHECKED_TRPC_VERSION);
  });

  it('calls each procedure’s contract resolver directly, and only while tRPC’s chain around it is that resolver alone', () => {
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>);
    expect(procedures.length).toBeGreaterThan(10);
    for (const [path, procedure] of procedures) expect(soleResolverOf(procedure), path).toBeDefined();
    // A middleware added to a procedure is never skipped: such a procedure has no sole resolver, and the lane
    // calls it through tRPC's chain. One built by buildRouter, then given a middleware step as `.use()` would:
    const { me } = buildRouter({ me: contracts.users.me }, { me: async () => ({ id: '', email: '', name: '', role: 'user' as const, createdAt: '' }) })._def.procedures as unknown as Record<string, AnyProcedure>;
    expect(soleResolverOf(me as AnyProcedure)).toBeDefined();
    const chain = (me as unknown as { _def: { middlewares: unknown[] } })._def.middlewares;
    chain.unshift(chain[0]);
    expect(soleResolverOf(me as AnyProcedure)).toBeUndefined();
  });
});

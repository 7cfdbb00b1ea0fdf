import { TRPCError, type TRPCDefaultErrorShape } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../context.js';
import { edgeErrorBody } from '../http/edge-errors.js';
import { formatError } from './format-error.js';

function shapeOf(error: TRPCError): TRPCDefaultErrorShape {
  return {
    message: error.message,
    code: -32603,
    data: { code: error.code, httpStatus: 500, path: 'orders.create', stack: error.stack ?? 'Error: at handler (orders.ts:12:3)' },
  };
}

const contextIn = (env: 'production' | 'development') =>
  ({ requestId: 'req-42', deps: { config: { env } } }) as unknown as RequestContext;

describe('error hygiene', () => {
  it('in production, a 500 says nothing about what failed inside, carries no stack, and names the request', () => {
    const error = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'ECONNREFUSED 10.0.0.5:6379 in redis-order-store.ts', cause: new Error('boom') });
    const formatted = formatError({ shape: shapeOf(error), error, ctx: contextIn('production') });
    expect(formatted.message).toBe('Internal server error');
    expect(formatted.data.requestId).toBe('req-42');
    expect(JSON.stringify(formatted)).not.toMatch(/ECONNREFUSED|redis-order-store|stack|boom/);
  });

  it('in development, a 500 keeps its message for the developer but still no stack', () => {
    const error = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'handler bug' });
    const formatted = formatError({ shape: shapeOf(error), error, ctx: contextIn('development') });
    expect(formatted.message).toBe('handler bug');
    expect(formatted.data).not.toHaveProperty('stack');
  });

  it('answers errors raised before tRPC ran (a crashing route, an oversized body) without internals', () => {
    const crash = edgeErrorBody({ statusCode: undefined, message: 'Cannot read properties of undefined (reading x)' } as never, 'req-7', 'trpc');
    expect(crash.status).toBe(500);
    expect(crash.body).toEqual({ error: { message: 'Internal server error', code: -32603, data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, requestId: 'req-7' } } });
    const tooLarge = edgeErrorBody({ statusCode: 413, message: 'Request body is too large' } as never, 'req-8', 'http');
    expect(tooLarge).toEqual({ status: 413, body: { error: 'payload_too_large', error_description: 'The request body is too large', requestId: 'req-8' } });
  });
});

import type { AnyTRPCRouter } from '@trpc/server';
import {
  fastifyRequestHandler,
  type CreateFastifyContextOptions,
  type FastifyTRPCPluginOptions,
} from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientAbortSignal } from './client-abort-signal.js';
import { isPlainJsonRequest } from './is-plain-json-request.js';
import { resolveJsonRequest, type JsonRequest, type ResolveJsonOptions } from './resolve-json-request.js';

/**
 * A drop-in for tRPC's `fastifyTRPCPlugin` (same options, same content-type
 * parsers, same `/:path` route under the register prefix) that serves plain
 * JSON calls through resolveJsonRequest and hands everything else to tRPC's
 * own `fastifyRequestHandler`. It stays a Fastify route, so Fastify's request
 * id, logging, body limit, trust-proxy and every hook apply as before; only
 * tRPC's conversion to Fetch Request/Response and back is skipped.
 */
export function fastTrpcPlugin<TRouter extends AnyTRPCRouter>(
  fastify: FastifyInstance,
  opts: FastifyTRPCPluginOptions<TRouter>,
  done: (err?: Error) => void,
): void {
  const trpcOptions = opts.trpcOptions;
  // tRPC reads bodies itself: the raw string of JSON bodies (within Fastify's bodyLimit), form data untouched.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, parsed) => parsed(null, body));
  fastify.removeContentTypeParser('multipart/form-data');
  fastify.addContentTypeParser('multipart/form-data', {}, (_request, body, parsed) => parsed(null, body));

  // Built once: per-request closures cost an allocation each, and a defineProperty each under tsx (esbuild keepNames).
  const options: ResolveJsonOptions<TRouter, FastifyRequest> = {
    router: trpcOptions.router,
    maxBatchSize: trpcOptions.maxBatchSize,
    createContext: async (info, req) =>
      trpcOptions.createContext?.({ req, res: (req as FastifyRequestWithReply)[REPLY], info } as CreateFastifyContextOptions),
    responseMeta: trpcOptions.responseMeta,
    onError: trpcOptions.onError,
  };

  fastify.all('/:path', async function serveTrpc(request, reply) {
    const path = (request.params as { path: string }).path;
    const url = request.url;
    const queryStart = url.indexOf('?');
    const searchParams = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
    const method = request.method;
    if (!isPlainJsonRequest(method, request.headers, searchParams)) {
      await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
      return;
    }
    (request as FastifyRequestWithReply)[REPLY] = reply;
    const body = typeof request.body === 'string' ? request.body : undefined;
    const response = await resolveJsonRequest(new FastifyJsonRequest(method, path, searchParams, body, request), options);
    if (response === undefined) {
      await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
      return;
    }
    reply.code(response.status);
    for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
    // A Buffer, because Fastify appends "; charset=utf-8" to a JSON string's content-type and tRPC's adapter sends none.
    await reply.send(Buffer.from(response.body));
  });
  done();
}

/** Where serveTrpc leaves the reply for createContext, which tRPC's Fastify adapter hands both. */
const REPLY = Symbol('gatehouse.fastTrpc.reply');
type FastifyRequestWithReply = FastifyRequest & { [REPLY]: FastifyReply };

/** A class, so the lazy signal and URL are shared methods rather than two closures per request. */
class FastifyJsonRequest implements JsonRequest<FastifyRequest> {
  constructor(
    readonly method: 'GET' | 'POST',
    readonly path: string,
    readonly searchParams: URLSearchParams,
    readonly body: string | undefined,
    readonly req: FastifyRequest,
  ) {}

  signal(): AbortSignal {
    return clientAbortSignal(this.req.raw, (this.req as FastifyRequestWithReply)[REPLY].raw);
  }

  url(): URL {
    return new URL(this.req.url, `${this.req.protocol}://${this.req.host}`);
  }
}

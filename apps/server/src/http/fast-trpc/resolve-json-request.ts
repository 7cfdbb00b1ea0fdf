import type { AnyTRPCRouter } from '@trpc/server';
import {
  defaultTransformer,
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  isObject,
  transformTRPCResponse,
  TRPCError,
  type AnyProcedure,
  type HTTPErrorHandler,
  type ResponseMetaFn,
  type TRPCRequestInfo,
  type TRPCRequestInfoProcedureCall,
  type TRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';

/**
 * The non-streaming half of tRPC's `resolveResponse`, for plain JSON GET and
 * POST requests, without the Fetch Request/Response and web-stream
 * conversions that cost tRPC's adapters about 320 µs a request on Node 20.
 *
 * It follows resolveResponse (@trpc/server 11.25) step for step, so the
 * status, headers and body are what the stock adapter answers: path
 * decoding, `batch=1` and maxBatchSize, lazy JSON input (a syntax error is
 * the procedure's BAD_REQUEST, after auth), NOT_FOUND and
 * METHOD_NOT_SUPPORTED per call, the error formatter, getHTTPStatusCode
 * (207 for mixed batches) and responseMeta. Procedures run through their
 * own middleware chains: auth, rate limits and validation are theirs, not
 * this file's. Differential tests (fast-trpc.test.ts) hold it to that.
 */
export interface JsonRequest<TRequest = unknown> {
  readonly method: 'GET' | 'POST';
  /** The procedure path(s) as the URL has them, before decoding; comma-separated for batches. */
  readonly path: string;
  readonly searchParams: URLSearchParams;
  /** The raw body of a POST, as Fastify read it (within its bodyLimit). */
  readonly body: string | undefined;
  /** Aborts when the client goes away; built on first use (AbortController costs 10-20 µs). */
  readonly signal: () => AbortSignal;
  readonly url: () => URL;
  /** The adapter's own request object, as tRPC's createContext and onError receive it. */
  readonly req: TRequest;
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: string;
}

export interface ResolveJsonOptions<TRouter extends AnyTRPCRouter, TRequest> {
  readonly router: TRouter;
  readonly maxBatchSize: number | undefined;
  readonly createContext: (info: TRPCRequestInfo, req: TRequest) => Promise<unknown>;
  readonly responseMeta: ResponseMetaFn<TRouter> | undefined;
  readonly onError: HTTPErrorHandler<TRouter, TRequest> | undefined;
}

/** What only tRPC's own adapter serves: resolveJsonRequest answers `undefined` and the caller hands the request over. */
export const HAND_OVER = undefined;

const ACCEPTED_METHODS = { query: 'GET', mutation: 'POST', subscription: 'GET' } as const;

type Call = TRPCRequestInfoProcedureCall & { readonly procedure: AnyProcedure | null };
type CallOutcome = readonly [TRPCError, undefined] | readonly [undefined, { readonly data: unknown }];

export async function resolveJsonRequest<TRouter extends AnyTRPCRouter, TRequest>(
  request: JsonRequest<TRequest>,
  options: ResolveJsonOptions<TRouter, TRequest>,
): Promise<JsonResponse | undefined> {
  const { router } = options;
  const config = router._def._config;
  const headers: Record<string, string | string[]> = { vary: 'trpc-accept, accept' };

  let info: TRPCRequestInfo | undefined;
  let ctx: unknown;
  let ctxError: TRPCError | undefined;
  let ctxCreated = false;
  try {
    info = await readRequestInfo(request, options);
    // Subscriptions stream (SSE): tRPC's adapter serves them.
    if (info.calls.some((call) => call.procedure?._def.type === 'subscription')) return HAND_OVER;
  } catch (cause) {
    return answerFailure(cause);
  }
  try {
    try {
      ctx = await options.createContext(info, request.req);
    } catch (cause) {
      ctxError = getTRPCErrorFromUnknown(cause);
    }
    ctxCreated = true;
    const requestInfo = info;
    const outcomes = await Promise.all(requestInfo.calls.map((call) => runCall(call as Call)));

    headers['content-type'] = 'application/json';
    const responses = outcomes.map(([error, result], index): TRPCResponse => {
      if (error === undefined) return { result: { data: result.data } };
      const call = requestInfo.calls[index] as Call;
      return {
        error: getErrorShape({ config, ctx, error, input: call.result(), path: call.path, type: call.procedure?._def.type ?? 'unknown' }),
      };
    });
    const errors = outcomes.map(([error]) => error);
    const status = applyResponseMeta(requestInfo, responses, errors, getHTTPStatusCode(responses, errors as TRPCError[]));
    const payload = requestInfo.isBatchCall ? responses : responses[0];
    return { status, headers, body: JSON.stringify(serialize(config, payload as TRPCResponse)) };
  } catch (cause) {
    return answerFailure(cause);
  }

  async function runCall(call: Call): Promise<CallOutcome> {
    const procedure = call.procedure;
    try {
      if (procedure === null) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
      const type = procedure._def.type;
      if (ACCEPTED_METHODS[type] !== request.method) {
        headers['allow'] = ACCEPTED_METHODS[type];
        throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: `Unsupported ${request.method}-request to ${type} procedure at path "${call.path}"` });
      }
      if (ctxError !== undefined) throw ctxError;
      const data: unknown = await procedure({
        path: call.path,
        getRawInput: call.getRawInput,
        ctx,
        type,
        // Unary procedures do not observe it, and building one per call costs more than most of them.
        signal: undefined,
        batchIndex: call.batchIndex,
      });
      if (isDataStream(data)) {
        throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink' });
      }
      return [undefined, { data }];
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: call.path, input: call.result(), ctx: ctxCreated ? (ctx as never) : undefined, type: procedure?._def.type ?? 'unknown', req: request.req });
      return [error, undefined];
    }
  }

  /** An error before any call ran (bad path, too big a batch, mixed types): one error, ctx as far as it got. */
  function answerFailure(cause: unknown): JsonResponse {
    const error = getTRPCErrorFromUnknown(cause);
    const type = info?.type ?? 'unknown';
    const currentCtx = ctxCreated && ctxError === undefined ? ctx : undefined;
    options.onError?.({ error, path: undefined, input: undefined, ctx: currentCtx as never, type, req: request.req });
    const response: TRPCResponse = { error: getErrorShape({ config, error, type, path: undefined, input: undefined, ctx: currentCtx }) };
    const status = applyResponseMeta(info, [response], [error], getHTTPStatusCode(response, [error]), currentCtx);
    // resolveResponse answers these with `new Response(string)` before it sets a content-type, so Fetch's
    // default applies; the same here, so clients see one behaviour whichever path served them.
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    return { status, headers, body: JSON.stringify(serialize(config, response)) };
  }

  function applyResponseMeta(
    requestInfo: TRPCRequestInfo | undefined,
    data: TRPCResponse[],
    errors: ReadonlyArray<TRPCError | undefined>,
    status: number,
    metaCtx: unknown = ctxError === undefined ? ctx : undefined,
  ): number {
    const meta =
      options.responseMeta?.({
        ctx: metaCtx as never,
        info: requestInfo,
        paths: requestInfo?.calls.map((call) => call.path),
        data: data as never,
        errors: errors.filter((error): error is TRPCError => error !== undefined),
        eagerGeneration: false,
        type: requestInfo?.calls.find((call) => call.procedure?._def.type)?.procedure?._def.type ?? 'unknown',
      }) ?? {};
    // initResponse: a Headers object appends; a plain object sets strings and appends arrays.
    if (meta.headers instanceof Headers) {
      meta.headers.forEach((value, name) => appendHeader(headers, name, value));
    } else if (meta.headers !== undefined) {
      for (const [name, value] of Object.entries(meta.headers)) {
        if (Array.isArray(value)) for (const item of value) appendHeader(headers, name, item);
        else if (typeof value === 'string') headers[name.toLowerCase()] = value;
      }
    }
    return meta.status ?? status;
  }
}

/** getRequestInfo's JSON handler (tRPC's contentType.ts), reading inputs only when a procedure asks. */
async function readRequestInfo<TRouter extends AnyTRPCRouter>(
  request: JsonRequest,
  options: Pick<ResolveJsonOptions<TRouter, unknown>, 'router' | 'maxBatchSize'>,
): Promise<TRPCRequestInfo> {
  const { router, maxBatchSize } = options;
  const config = router._def._config;
  const path = decodePath(request.path);
  const isBatchCall = request.searchParams.get('batch') === '1';
  const paths = isBatchCall ? path.split(',') : [path];
  if (isBatchCall && typeof maxBatchSize === 'number' && paths.length > maxBatchSize) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
  }

  let inputs: Record<number, unknown> | undefined;
  let reading: Promise<Record<number, unknown>> | undefined;
  const readInputs = async (): Promise<Record<number, unknown>> => {
    if (inputs !== undefined) return inputs;
    reading ??= parseInputs().catch((cause: unknown) => {
      if (cause instanceof TRPCError) throw cause;
      throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
    });
    inputs = await reading;
    reading = undefined;
    return inputs;
  };
  const parseInputs = async (): Promise<Record<number, unknown>> => {
    const raw = request.method === 'GET' ? request.searchParams.get('input') : request.body;
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    const result: Record<number, unknown> = Object.create(null);
    if (parsed === undefined) return result;
    if (!isBatchCall) {
      result[0] = config.transformer.input.deserialize(parsed);
      return result;
    }
    if (!isObject(parsed)) throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
    for (const index of paths.keys()) {
      const input = (parsed as Record<number, unknown>)[index];
      if (input !== undefined) result[index] = config.transformer.input.deserialize(input);
    }
    return result;
  };

  const calls: Call[] = await Promise.all(
    paths.map(async (callPath, index) => ({
      batchIndex: index,
      path: callPath,
      procedure: (await getProcedureAtPath(router, callPath)) as AnyProcedure | null,
      getRawInput: async () => (await readInputs())[index],
      result: () => inputs?.[index],
    })),
  );
  const types = new Set(calls.map((call) => call.procedure?._def.type).filter(Boolean));
  if (types.size > 1) throw new TRPCError({ code: 'BAD_REQUEST', message: `Cannot mix procedure types in call: ${[...types].join(', ')}` });
  const type = (types.values().next().value ?? 'unknown') as TRPCRequestInfo['type'];
  return {
    isBatchCall,
    accept: null,
    calls,
    type,
    connectionParams: null,
    get signal() {
      return request.signal();
    },
    get url() {
      return request.url();
    },
  };
}

/**
 * transformTRPCResponse, skipped when the router has no transformer: tRPC's
 * default serializes by identity, so the copy it makes of every response
 * (Babel's spread helper, about 7 µs) would be JSON-equal to the original.
 */
function serialize(
  config: AnyTRPCRouter['_def']['_config'],
  payload: TRPCResponse | TRPCResponse[],
): unknown {
  return config.transformer === defaultTransformer ? payload : transformTRPCResponse(config, payload);
}

/** decodeURIComponent's URIError is the client's fault: BAD_REQUEST, as in resolveResponse. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid URL-encoding in path "${path}"`, cause });
  }
}

/** An async iterable, or an object holding promises or async iterables: only a streaming link can carry it. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (Symbol.asyncIterator in value) return true;
  return Object.values(value).some((item) => item instanceof Promise || (isObject(item) && Symbol.asyncIterator in item));
}

/** Headers.append semantics: Set-Cookie stays a list, other repeated headers join with ", ". */
function appendHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const key = name.toLowerCase();
  const current = headers[key];
  if (key === 'set-cookie') headers[key] = current === undefined ? [value] : [...(Array.isArray(current) ? current : [current]), value];
  else headers[key] = appendTo(current, value);
}

function appendTo(current: string | string[] | undefined, value: string): string {
  if (current === undefined) return value;
  return `${Array.isArray(current) ? current.join(', ') : current}, ${value}`;
}

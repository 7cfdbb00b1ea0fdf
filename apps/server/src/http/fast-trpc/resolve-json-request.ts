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
import { headerName } from '../../headers/header-name.js';

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
  readonly createContext: (info: TRPCRequestInfo, req: TRequest) => unknown;
  readonly responseMeta: ResponseMetaFn<TRouter> | undefined;
  readonly onError: HTTPErrorHandler<TRouter, TRequest> | undefined;
  /**
   * A procedure's resolver when tRPC's middleware chain around it is that resolver alone
   * (routers/build-router.ts), called directly; otherwise the procedure is called through tRPC.
   */
  readonly soleResolverOf?: (procedure: AnyProcedure) => ((options: SoleResolverOptions) => Promise<unknown>) | undefined;
}

/** What a sole resolver reads of tRPC's call options. */
export interface SoleResolverOptions {
  readonly ctx: unknown;
  readonly path: string;
  readonly getRawInput: () => Promise<unknown>;
}

/**
 * The @trpc/server release whose resolveResponse this file follows. A
 * tripwire (lane-tripwires.test.ts) fails when the installed one differs.
 */
export const LANE_CHECKED_TRPC_VERSION = '11.25.2';

const ACCEPTED_METHODS = { query: 'GET', mutation: 'POST', subscription: 'GET' } as const;

type Call = TRPCRequestInfoProcedureCall & { readonly procedure: AnyProcedure | null };
type CallOutcome = readonly [TRPCError, undefined] | readonly [undefined, { readonly data: unknown }];

/** The answer to a JSON tRPC request, or `undefined` for what only tRPC's own adapter serves (the caller hands it over). */
export async function resolveJsonRequest<TRouter extends AnyTRPCRouter, TRequest>(
  request: JsonRequest<TRequest>,
  options: ResolveJsonOptions<TRouter, TRequest>,
): Promise<JsonResponse | undefined> {
  return new JsonResolution(request, options).resolve();
}

/**
 * One request's resolution. A class rather than a function of closures:
 * its steps are shared methods, not five functions built per request (each
 * also a defineProperty under tsx, whose esbuild keeps function names).
 */
class JsonResolution<TRouter extends AnyTRPCRouter, TRequest> {
  readonly #request: JsonRequest<TRequest>;
  readonly #options: ResolveJsonOptions<TRouter, TRequest>;
  readonly #config: AnyTRPCRouter['_def']['_config'];
  readonly #headers: Record<string, string | string[]> = { vary: 'trpc-accept, accept' };
  #info: TRPCRequestInfo | undefined;
  #ctx: unknown;
  #ctxError: TRPCError | undefined;
  #ctxCreated = false;

  constructor(request: JsonRequest<TRequest>, options: ResolveJsonOptions<TRouter, TRequest>) {
    this.#request = request;
    this.#options = options;
    this.#config = options.router._def._config;
  }

  async resolve(): Promise<JsonResponse | undefined> {
    let info: TRPCRequestInfo;
    try {
      const read = readRequestInfo(this.#request, this.#options);
      info = read instanceof Promise ? await read : read;
      this.#info = info;
      // Subscriptions stream (SSE): only tRPC's adapter serves them, so `undefined` tells the caller to hand the request over.
      if (info.type === 'subscription') return undefined;
    } catch (cause) {
      return this.#answerFailure(cause);
    }
    try {
      try {
        // Awaited only when it is a promise: a synchronous context costs no microtask.
        const created = this.#options.createContext(info, this.#request.req);
        this.#ctx = created instanceof Promise ? await created : created;
      } catch (cause) {
        this.#ctxError = getTRPCErrorFromUnknown(cause);
      }
      this.#ctxCreated = true;
      const calls = info.calls as Call[];
      // One call (the common case) is awaited on its own: no array of promises to gather.
      const outcomes = calls.length === 1 ? [await this.#runCall(calls[0] as Call)] : await Promise.all(calls.map((call) => this.#runCall(call)));

      this.#headers['content-type'] = 'application/json';
      const responses: TRPCResponse[] = [];
      const errors: TRPCError[] = [];
      for (let index = 0; index < outcomes.length; index += 1) {
        const [error, result] = outcomes[index] as CallOutcome;
        if (error === undefined) {
          responses.push({ result: { data: result.data } });
          continue;
        }
        const call = calls[index] as Call;
        errors.push(error);
        const shape = getErrorShape({ config: this.#config, ctx: this.#ctx, error, input: call.result(), path: call.path, type: call.procedure?._def.type ?? 'unknown' });
        responses.push({ error: shape });
      }
      const status = this.#applyResponseMeta(responses, errors, getHTTPStatusCode(responses, outcomes.map(([error]) => error) as TRPCError[]));
      const payload = info.isBatchCall ? responses : responses[0];
      return { status, headers: this.#headers, body: JSON.stringify(serialize(this.#config, payload as TRPCResponse)) };
    } catch (cause) {
      return this.#answerFailure(cause);
    }
  }

  async #runCall(call: Call): Promise<CallOutcome> {
    const procedure = call.procedure;
    try {
      if (procedure === null) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
      const type = procedure._def.type;
      const method = this.#request.method;
      if (ACCEPTED_METHODS[type] !== method) {
        this.#headers['allow'] = ACCEPTED_METHODS[type];
        throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: `Unsupported ${method}-request to ${type} procedure at path "${call.path}"` });
      }
      if (this.#ctxError !== undefined) throw this.#ctxError;
      const sole = this.#options.soleResolverOf?.(procedure);
      const data: unknown = sole !== undefined ? await sole({ ctx: this.#ctx, path: call.path, getRawInput: call.getRawInput }) : await procedure({
        path: call.path,
        getRawInput: call.getRawInput,
        ctx: this.#ctx,
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
      const ctx = this.#ctxCreated ? (this.#ctx as never) : undefined;
      this.#options.onError?.({ error, path: call.path, input: call.result(), ctx, type: procedure?._def.type ?? 'unknown', req: this.#request.req });
      return [error, undefined];
    }
  }

  /** An error before any call ran (bad path, too big a batch, mixed types): one error, ctx as far as it got. */
  #answerFailure(cause: unknown): JsonResponse {
    const error = getTRPCErrorFromUnknown(cause);
    const type = this.#info?.type ?? 'unknown';
    const currentCtx = this.#ctxCreated && this.#ctxError === undefined ? this.#ctx : undefined;
    this.#options.onError?.({ error, path: undefined, input: undefined, ctx: currentCtx as never, type, req: this.#request.req });
    const response: TRPCResponse = { error: getErrorShape({ config: this.#config, error, type, path: undefined, input: undefined, ctx: currentCtx }) };
    const status = this.#applyResponseMeta([response], [error], getHTTPStatusCode(response, [error]), currentCtx);
    // resolveResponse answers these with `new Response(string)` before it sets a content-type, so Fetch's
    // default applies; the same here, so clients see one behaviour whichever path served them.
    this.#headers['content-type'] ??= 'text/plain;charset=UTF-8';
    return { status, headers: this.#headers, body: JSON.stringify(serialize(this.#config, response)) };
  }

  #applyResponseMeta(
    data: TRPCResponse[],
    errors: TRPCError[],
    status: number,
    metaCtx: unknown = this.#ctxError === undefined ? this.#ctx : undefined,
  ): number {
    const info = this.#info;
    const meta =
      this.#options.responseMeta?.({
        ctx: metaCtx as never,
        info,
        paths: info?.calls.map((call) => call.path),
        data: data as never,
        errors,
        eagerGeneration: false,
        // The calls' one type, as readRequestInfo found it ('unknown' when no procedure was).
        type: info?.type ?? 'unknown',
      }) ?? {};
    const headers = this.#headers;
    // initResponse: a Headers object appends; a plain object sets strings and appends arrays.
    if (meta.headers instanceof Headers) {
      meta.headers.forEach((value, name) => appendHeader(headers, name, value));
    } else if (meta.headers !== undefined) {
      for (const name in meta.headers) {
        const value = meta.headers[name];
        if (Array.isArray(value)) for (const item of value) appendHeader(headers, name, item);
        else if (typeof value === 'string') headers[headerName(name)] = value;
      }
    }
    return meta.status ?? status;
  }
}

/**
 * getRequestInfo's JSON handler (tRPC's contentType.ts), reading inputs only
 * when a procedure asks. Its type is the calls' one type ('unknown' when no
 * procedure was found), and mixing types is a BAD_REQUEST. Synchronous when
 * the router holds every path (every call today): a promise only when a
 * lazy router must be loaded, so the common call pays no await here.
 */
function readRequestInfo<TRouter extends AnyTRPCRouter>(
  request: JsonRequest,
  options: Pick<ResolveJsonOptions<TRouter, unknown>, 'router' | 'maxBatchSize'>,
): TRPCRequestInfo | Promise<TRPCRequestInfo> {
  const { router, maxBatchSize } = options;
  const path = decodePath(request.path);
  const isBatchCall = request.searchParams.get('batch') === '1';
  const paths = isBatchCall ? path.split(',') : [path];
  if (isBatchCall && typeof maxBatchSize === 'number' && paths.length > maxBatchSize) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
  }
  const procedures = router._def.procedures as Record<string, AnyProcedure | undefined>;
  // getProcedureAtPath's own first lookup, without its promise; lazy routers still go through it.
  const found = paths.map((callPath) => procedures[callPath]);
  if (!found.includes(undefined)) return requestInfoOf(request, router, isBatchCall, paths, found as AnyProcedure[]);
  return loadProcedures(router, paths, found).then((loaded) => requestInfoOf(request, router, isBatchCall, paths, loaded));
}

/** The procedures the router's record lacks, looked up (and lazy routers loaded) one path after another, as tRPC does. */
async function loadProcedures(router: AnyTRPCRouter, paths: readonly string[], found: ReadonlyArray<AnyProcedure | undefined>): Promise<Array<AnyProcedure | null>> {
  const loaded: Array<AnyProcedure | null> = [];
  for (let index = 0; index < paths.length; index += 1) {
    loaded.push(found[index] ?? ((await getProcedureAtPath(router, paths[index] as string)) as AnyProcedure | null));
  }
  return loaded;
}

function requestInfoOf(
  request: JsonRequest,
  router: AnyTRPCRouter,
  isBatchCall: boolean,
  paths: readonly string[],
  procedures: ReadonlyArray<AnyProcedure | null>,
): TRPCRequestInfo {
  const inputs = new LazyInputs(request, router._def._config, isBatchCall, paths.length);
  const calls: Call[] = [];
  let type: TRPCRequestInfo['type'] | undefined;
  let mixed = false;
  for (let index = 0; index < paths.length; index += 1) {
    const procedure = procedures[index] ?? null;
    calls.push({ batchIndex: index, path: paths[index] as string, procedure, getRawInput: () => inputs.read(index), result: () => inputs.parsed(index) });
    const callType = procedure?._def.type;
    if (callType === undefined || callType === type) continue;
    if (type === undefined) type = callType;
    else mixed = true;
  }
  if (mixed) throw new TRPCError({ code: 'BAD_REQUEST', message: `Cannot mix procedure types in call: ${mixedTypes(calls)}` });
  return new JsonRequestInfo(request, isBatchCall, calls, type ?? 'unknown');
}

/** TRPCRequestInfo with its signal and URL built only when read; a class, so those getters are not rebuilt per request. */
class JsonRequestInfo implements TRPCRequestInfo {
  readonly accept = null;
  readonly connectionParams = null;

  constructor(
    private readonly request: JsonRequest,
    readonly isBatchCall: boolean,
    readonly calls: TRPCRequestInfoProcedureCall[],
    readonly type: TRPCRequestInfo['type'],
  ) {}

  get signal(): AbortSignal {
    return this.request.signal();
  }

  get url(): URL {
    return this.request.url();
  }
}

/** The types of the calls as tRPC's message lists them: each once, in order of appearance. */
function mixedTypes(calls: readonly Call[]): string {
  const types = new Set<string>();
  for (const call of calls) if (call.procedure) types.add(call.procedure._def.type);
  return [...types].join(', ');
}

/** A request's inputs, parsed from the query or body once, when the first procedure asks for its own. */
class LazyInputs {
  #inputs: Record<number, unknown> | undefined;
  #reading: Promise<Record<number, unknown>> | undefined;

  constructor(
    private readonly request: JsonRequest,
    private readonly config: AnyTRPCRouter['_def']['_config'],
    private readonly isBatchCall: boolean,
    private readonly callCount: number,
  ) {}

  async read(index: number): Promise<unknown> {
    if (this.#inputs === undefined) {
      this.#reading ??= this.#parse().catch((cause: unknown) => {
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
      });
      this.#inputs = await this.#reading;
      this.#reading = undefined;
    }
    return this.#inputs[index];
  }

  /** What was read for call `index`, for error shapes and onError; undefined before any call read. */
  parsed(index: number): unknown {
    return this.#inputs?.[index];
  }

  async #parse(): Promise<Record<number, unknown>> {
    const raw = this.request.method === 'GET' ? this.request.searchParams.get('input') : this.request.body;
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    const result: Record<number, unknown> = Object.create(null);
    if (parsed === undefined) return result;
    const transformer = this.config.transformer.input;
    if (!this.isBatchCall) {
      result[0] = transformer.deserialize(parsed);
      return result;
    }
    if (!isObject(parsed)) throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
    for (let index = 0; index < this.callCount; index += 1) {
      const input = (parsed as Record<number, unknown>)[index];
      if (input !== undefined) result[index] = transformer.deserialize(input);
    }
    return result;
  }
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
  // Procedure paths are plain names: most have nothing to decode, and decodeURIComponent is a C++ builtin call.
  if (!path.includes('%')) return path;
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
  // A for...in over own keys, not Object.values: that builtin took V8's runtime path on every answer.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    if (item instanceof Promise || (isObject(item) && Symbol.asyncIterator in item)) return true;
  }
  return false;
}

/** Headers.append semantics: Set-Cookie stays a list, other repeated headers join with ", ". */
function appendHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const key = headerName(name);
  const current = headers[key];
  if (key === 'set-cookie') headers[key] = current === undefined ? [value] : [...(Array.isArray(current) ? current : [current]), value];
  else headers[key] = appendTo(current, value);
}

function appendTo(current: string | string[] | undefined, value: string): string {
  if (current === undefined) return value;
  return `${Array.isArray(current) ? current.join(', ') : current}, ${value}`;
}

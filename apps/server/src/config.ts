import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Gatehouse's configuration: every environment variable of SPEC.md, parsed by
 * one schema, once, in main.ts. Everything else receives the parsed, frozen
 * object; nothing else reads process.env.
 */

const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const port = z.coerce.number().int().min(0).max(65535);
const positiveSeconds = z.coerce.number().int().positive();

/** `points/seconds`, e.g. `100/3600`. */
const budget = z
  .string()
  .regex(/^\d+\/\d+$/, 'expected points/seconds, e.g. 100/3600')
  .transform((value) => {
    const [points, durationSeconds] = value.split('/').map(Number) as [number, number];
    return { points, durationSeconds };
  })
  .refine((b) => b.points > 0 && b.durationSeconds > 0, 'points and seconds must both be positive');

/** false, a hop count, or a comma list of addresses/CIDRs (Fastify's trustProxy vocabulary). */
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): false | number | string[] => {
    if (value === '' || value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    if (value === 'true') {
      ctx.addIssue({ code: 'custom', message: 'true would trust any X-Forwarded-For; give a hop count or CIDR list' });
      return z.NEVER;
    }
    const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
    const cidr = /^(?:[0-9a-fA-F:.]+)(?:\/\d{1,3})?$/;
    const invalid = entries.find((entry) => !cidr.test(entry));
    if (invalid !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${invalid}" is not an IP address or CIDR range` });
      return z.NEVER;
    }
    return entries;
  });

const originList = z
  .string()
  .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
  .superRefine((origins, ctx) => {
    for (const origin of origins) {
      if (origin === '*') {
        ctx.addIssue({ code: 'custom', message: 'list exact origins; * is not allowed' });
        continue;
      }
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined || parsed.origin !== origin) {
        ctx.addIssue({ code: 'custom', message: `"${origin}" is not an exact origin like https://app.example.com` });
      }
    }
  });

const optionalPath = z.string().trim().min(1).optional();

const envSchema = z.object({
  GATEHOUSE_ENV: z.enum(ENVIRONMENTS).default('development'),
  GATEHOUSE_HOST: z.string().trim().min(1).default('127.0.0.1'),
  GATEHOUSE_PORT: port.default(3000),
  GATEHOUSE_ISSUER: z.url().optional(),
  GATEHOUSE_AUDIENCE: z.string().trim().min(1).optional(),
  GATEHOUSE_STORE: z.enum(['memory', 'redis']).default('memory'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  GATEHOUSE_REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/).default('gatehouse:'),
  GATEHOUSE_SEED_FILE: optionalPath,
  GATEHOUSE_SIGNING_KEYS_FILE: optionalPath,
  GATEHOUSE_ACCESS_TOKEN_TTL: positiveSeconds.max(86_400).default(900),
  GATEHOUSE_REFRESH_TOKEN_TTL: positiveSeconds.default(604_800),
  GATEHOUSE_BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  GATEHOUSE_LIMIT_PUBLIC: budget.default({ points: 100, durationSeconds: 3600 }),
  GATEHOUSE_LIMIT_AUTHENTICATED: budget.default({ points: 600, durationSeconds: 60 }),
  GATEHOUSE_CORS_ORIGINS: originList.default([]),
  GATEHOUSE_TRUST_PROXY: trustProxy.default(false),
  GATEHOUSE_TLS_CERT: optionalPath,
  GATEHOUSE_TLS_KEY: optionalPath,
  GATEHOUSE_TLS_CLIENT_CA: optionalPath,
  GATEHOUSE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEHOUSE_TRPC_FAST_PATH: z.enum(['true', 'false']).default('true'),
  GATEHOUSE_TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
  GATEHOUSE_PASSWORD_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  GATEHOUSE_PASSWORD_QUEUE: z.coerce.number().int().min(1).max(100_000).default(64),
});

export type ConfigEnv = z.input<typeof envSchema>;

export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, client certificates are requested and verified against this CA (mTLS). */
  readonly clientCaFile: string | undefined;
}

export interface Config {
  readonly env: Environment;
  readonly host: string;
  readonly port: number;
  readonly issuer: string;
  readonly audience: string;
  readonly store: { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string };
  readonly seedFile: string | undefined;
  readonly signingKeysFile: string | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly bcryptCost: number;
  readonly limits: {
    readonly public: { readonly points: number; readonly durationSeconds: number };
    readonly authenticated: { readonly points: number; readonly durationSeconds: number };
  };
  readonly corsOrigins: readonly string[];
  readonly trustProxy: false | number | readonly string[];
  readonly tls: TlsConfig | undefined;
  readonly logLevel: z.infer<typeof envSchema>['GATEHOUSE_LOG_LEVEL'];
  /** Serve plain JSON tRPC calls straight from Node's request and response (http/fast-trpc); false: tRPC's Fastify adapter for all. */
  readonly trpcFastPath: boolean;
  /** How many verified access tokens to remember (tokens/verified-token-cache.ts); 0 verifies every call. */
  readonly tokenCacheSize: number;
  /** bcrypt runs in this many worker threads, and at most `queue` more wait; beyond that a login is refused with 503. */
  readonly passwordWorkers: { readonly threads: number; readonly queue: number };
}

/** A configuration that cannot start; `issues` name each variable and what it allows. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a frozen Config, or throws ConfigError naming every bad variable. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = envSchema.safeParse(pickDefined(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const issues: string[] = [];

  if ((e.GATEHOUSE_TLS_CERT === undefined) !== (e.GATEHOUSE_TLS_KEY === undefined)) {
    issues.push('GATEHOUSE_TLS_CERT / GATEHOUSE_TLS_KEY: set both or neither');
  }
  if (e.GATEHOUSE_TLS_CLIENT_CA !== undefined && e.GATEHOUSE_TLS_CERT === undefined) {
    issues.push('GATEHOUSE_TLS_CLIENT_CA: mTLS needs GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY');
  }
  const tls: TlsConfig | undefined =
    e.GATEHOUSE_TLS_CERT !== undefined && e.GATEHOUSE_TLS_KEY !== undefined
      ? { certFile: e.GATEHOUSE_TLS_CERT, keyFile: e.GATEHOUSE_TLS_KEY, clientCaFile: e.GATEHOUSE_TLS_CLIENT_CA }
      : undefined;

  const scheme = tls === undefined ? 'http' : 'https';
  const hostForUrl = e.GATEHOUSE_HOST.includes(':') ? `[${e.GATEHOUSE_HOST}]` : e.GATEHOUSE_HOST;
  const issuer = (e.GATEHOUSE_ISSUER ?? `${scheme}://${hostForUrl}:${e.GATEHOUSE_PORT}`).replace(/\/+$/, '');

  if (e.GATEHOUSE_ENV === 'production') {
    if (e.GATEHOUSE_SIGNING_KEYS_FILE === undefined) {
      issues.push('GATEHOUSE_SIGNING_KEYS_FILE: production needs persistent signing keys, not an ephemeral key');
    }
    if (e.GATEHOUSE_STORE === 'memory') {
      issues.push('GATEHOUSE_STORE: production needs redis; memory state is lost on restart and not shared');
    }
    if (tls === undefined && e.GATEHOUSE_TRUST_PROXY === false) {
      issues.push('GATEHOUSE_TLS_CERT / GATEHOUSE_TRUST_PROXY: production needs TLS here or a trusted TLS-terminating proxy');
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);

  return Object.freeze({
    env: e.GATEHOUSE_ENV,
    host: e.GATEHOUSE_HOST,
    port: e.GATEHOUSE_PORT,
    issuer,
    audience: e.GATEHOUSE_AUDIENCE ?? issuer,
    store:
      e.GATEHOUSE_STORE === 'redis'
        ? { kind: 'redis' as const, url: e.REDIS_URL, keyPrefix: e.GATEHOUSE_REDIS_PREFIX }
        : { kind: 'memory' as const },
    seedFile: e.GATEHOUSE_SEED_FILE,
    signingKeysFile: e.GATEHOUSE_SIGNING_KEYS_FILE,
    accessTokenTtlSeconds: e.GATEHOUSE_ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.GATEHOUSE_REFRESH_TOKEN_TTL,
    bcryptCost: e.GATEHOUSE_BCRYPT_COST,
    limits: { public: e.GATEHOUSE_LIMIT_PUBLIC, authenticated: e.GATEHOUSE_LIMIT_AUTHENTICATED },
    corsOrigins: Object.freeze([...e.GATEHOUSE_CORS_ORIGINS]),
    trustProxy: Array.isArray(e.GATEHOUSE_TRUST_PROXY) ? Object.freeze([...e.GATEHOUSE_TRUST_PROXY]) : e.GATEHOUSE_TRUST_PROXY,
    tls,
    logLevel: e.GATEHOUSE_LOG_LEVEL,
    trpcFastPath: e.GATEHOUSE_TRPC_FAST_PATH === 'true',
    tokenCacheSize: e.GATEHOUSE_TOKEN_CACHE_SIZE,
    passwordWorkers: Object.freeze({
      threads: e.GATEHOUSE_PASSWORD_WORKERS ?? defaultPasswordWorkers(),
      queue: e.GATEHOUSE_PASSWORD_QUEUE,
    }),
  });
}

/** One core stays free for the event loop: bcrypt at cost 12 keeps a core busy for about 0.4 s. */
function defaultPasswordWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Empty variables count as unset, so `GATEHOUSE_SEED_FILE=` does not mean a file named "". */
function pickDefined(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') defined[name] = value;
  }
  return defined;
}

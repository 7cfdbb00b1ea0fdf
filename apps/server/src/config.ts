import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import process from 'node:process';
import { z } from 'zod';
import { trustProxySetting, type TrustProxySetting } from './http/trust-proxy-setting.js';

/**
 * Gatehouse's configuration: every environment variable (docs/configuration.md), parsed by
 * one schema, once, in main.ts. Everything else receives the parsed, frozen
 * object; nothing else reads process.env.
 */

const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const port = z.coerce.number().int().min(0).max(65535);
const positiveSeconds = z.coerce.number().int().positive();

/**
 * Positive whole numbers written `a/b/c`, read into an object with one field
 * a number (`keys`, in order): the shape of every budget and threshold variable.
 */
function slashedNumbers<const Keys extends readonly [string, ...string[]]>(keys: Keys, messages: { readonly shape: string; readonly notPositive: string }) {
  const shape = new RegExp(`^\\d+${'\\/\\d+'.repeat(keys.length - 1)}$`);
  return z
    .string()
    .regex(shape, messages.shape)
    .transform((value) => {
      const numbers = value.split('/').map(Number);
      return Object.fromEntries(keys.map((key, index) => [key, numbers[index]])) as { readonly [Key in Keys[number]]: number };
    })
    .refine((parsed) => Object.values<number>(parsed).every((number) => number > 0), messages.notPositive);
}

/** `points/seconds`, e.g. `100/3600`. */
const budget = slashedNumbers(['points', 'durationSeconds'], {
  shape: 'expected points/seconds, e.g. 100/3600',
  notPositive: 'points and seconds must both be positive',
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

/** `failures/emails/ips`: failed logins, distinct emails and distinct IPs that together mean credential stuffing. */
const stuffingThreshold = slashedNumbers(['failures', 'distinctEmails', 'distinctIps'], {
  shape: 'expected failures/emails/ips, e.g. 50/20/10',
  notPositive: 'all three must be positive',
});

/** A TCP port, or `off` for no metrics listener at all. */
const metricsPort = z.union([z.literal('off'), port], { error: 'expected a port (0-65535) or off' });

/** `points/windowSeconds/blockSeconds`, e.g. `5/86400/900`: a login budget and how long exceeding it blocks. */
const loginBudget = slashedNumbers(['points', 'durationSeconds', 'blockDurationSeconds'], {
  shape: 'expected points/windowSeconds/blockSeconds, e.g. 5/86400/900',
  notPositive: 'all three numbers must be positive',
});

/** At least 32 random bytes, base64 or base64url (`openssl rand -base64 32`): an HMAC key (audit chain, token networks). */
const hmacKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'expected base64, e.g. the output of `openssl rand -base64 32`')
  .transform((value) => new Uint8Array(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64')))
  .refine((key) => key.byteLength >= 32, 'needs at least 32 bytes (44 base64 characters)');

/** Exactly 32 random bytes, base64 or base64url (`openssl rand -base64 32`): an AES-256 key. */
const aes256Key = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'expected base64, e.g. the output of `openssl rand -base64 32`')
  .transform((value) => new Uint8Array(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64')))
  .refine((key) => key.byteLength === 32, 'needs exactly 32 bytes (44 base64 characters): an AES-256 key');

/** `host:port,host:port`: the cluster's seed nodes (any of them; ioredis discovers the rest). */
const redisClusterNodes = z
  .string()
  .trim()
  .transform((value, context) => {
    const nodes: Array<{ readonly host: string; readonly port: number }> = [];
    for (const entry of value.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
      const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
      const portNumber = Number(match?.[2]);
      if (match?.[1] === undefined || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) {
        context.addIssue({ code: 'custom', message: `"${entry}" is not host:port` });
        return z.NEVER;
      }
      nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port: portNumber });
    }
    if (nodes.length === 0) {
      context.addIssue({ code: 'custom', message: 'needs at least one host:port' });
      return z.NEVER;
    }
    return Object.freeze(nodes);
  });

const envSchema = z.object({
  GATEHOUSE_ENV: z.enum(ENVIRONMENTS).default('development'),
  GATEHOUSE_HOST: z.string().trim().min(1).default('127.0.0.1'),
  GATEHOUSE_PORT: port.default(3000),
  GATEHOUSE_ISSUER: z.url().optional(),
  GATEHOUSE_AUDIENCE: z.string().trim().min(1).optional(),
  GATEHOUSE_STORE: z.enum(['memory', 'redis', 'postgres']).default('memory'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  // GATEHOUSE_STORE=postgres: where users, orders, API keys and the audit log live (docs/operations.md, "Choosing a store").
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL, e.g. postgres://127.0.0.1:5432/gatehouse' })
    .default('postgres://127.0.0.1:5432/gatehouse'),
  // The longest a request waits on PostgreSQL (connecting, a pool slot, one statement) before it answers 503.
  GATEHOUSE_DATABASE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  GATEHOUSE_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // How long a process believes a cached user (role) or API key lookup; changes made here evict it at once.
  GATEHOUSE_DATABASE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  GATEHOUSE_REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/).default('gatehouse:'),
  // The longest a request waits on one Redis command before its defined fallback (insurance limiter or 503).
  GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  // docs/operations.md "Running several instances": set, every Redis use goes to this Redis Cluster instead of REDIS_URL.
  REDIS_CLUSTER_NODES: redisClusterNodes.optional(),
  // A just-rotated refresh token replayed within this many seconds gets the same successor back (0: off, reuse as ever).
  GATEHOUSE_REFRESH_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(0),
  // RFC 9449 server nonces in DPoP proofs: off, at token issuance (/oauth/token, auth.login, auth.refresh), or on every call too.
  GATEHOUSE_DPOP_NONCE: z.enum(['off', 'token', 'all']).default('off'),
  GATEHOUSE_SEED_FILE: optionalPath,
  GATEHOUSE_SIGNING_KEYS_FILE: optionalPath,
  GATEHOUSE_ACCESS_TOKEN_TTL: positiveSeconds.max(86_400).default(900),
  GATEHOUSE_REFRESH_TOKEN_TTL: positiveSeconds.default(604_800),
  GATEHOUSE_BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  GATEHOUSE_LIMIT_PUBLIC: budget.default({ points: 100, durationSeconds: 3600 }),
  GATEHOUSE_LIMIT_AUTHENTICATED: budget.default({ points: 600, durationSeconds: 60 }),
  // docs/rate-limits.md: OAuth endpoints have their own budgets, authorize per IP, the others per authenticated client.
  GATEHOUSE_LIMIT_OAUTH_AUTHORIZE: budget.default({ points: 100, durationSeconds: 3600 }),
  GATEHOUSE_LIMIT_OAUTH_CLIENT: budget.default({ points: 6000, durationSeconds: 60 }),
  GATEHOUSE_LIMIT_OAUTH_CLIENT_FAILURES: budget.default({ points: 20, durationSeconds: 900 }),
  // Where rate-limit counters live; unset means wherever GATEHOUSE_STORE keeps state.
  GATEHOUSE_RATE_LIMIT_STORE: z.enum(['memory', 'redis']).optional(),
  // docs/rate-limits.md for auth.login: consecutive failures per email+IP, failures per email, per IP.
  GATEHOUSE_LOGIN_LIMIT_EMAIL_IP: loginBudget.default({ points: 5, durationSeconds: 86_400, blockDurationSeconds: 900 }),
  GATEHOUSE_LOGIN_LIMIT_EMAIL: loginBudget.default({ points: 10, durationSeconds: 3600, blockDurationSeconds: 900 }),
  GATEHOUSE_LOGIN_LIMIT_IP: loginBudget.default({ points: 100, durationSeconds: 86_400, blockDurationSeconds: 86_400 }),
  GATEHOUSE_CORS_ORIGINS: originList.default([]),
  GATEHOUSE_TRUST_PROXY: trustProxySetting.default(false),
  GATEHOUSE_TLS_CERT: optionalPath,
  GATEHOUSE_TLS_KEY: optionalPath,
  GATEHOUSE_TLS_CLIENT_CA: optionalPath,
  GATEHOUSE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEHOUSE_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(67_108_864).default(1_048_576),
  // The audit log is trimmed by age only (docs/operations.md, "The audit log"): a flood of recent events can never push records out.
  GATEHOUSE_AUDIT_LOG_RETENTION: positiveSeconds.default(31_536_000),
  GATEHOUSE_AUDIT_AGGREGATION_WINDOW: positiveSeconds.max(86_400).default(60),
  GATEHOUSE_AUDIT_HMAC_KEY: hmacKey.optional(),
  // Keys the hash of the network an access token was issued to (docs/security-model.md, "Token theft signals"); shared by every process.
  GATEHOUSE_TOKEN_NETWORK_KEY: hmacKey.optional(),
  // Seals second-factor (TOTP) secrets at rest (README "Second factor and step-up"); shared by every process.
  GATEHOUSE_SECRET_ENCRYPTION_KEY: aes256Key.optional(),
  // Wrong second-factor codes per user: points/windowSeconds/blockSeconds.
  GATEHOUSE_SECOND_FACTOR_LIMIT: loginBudget.default({ points: 5, durationSeconds: 900, blockDurationSeconds: 900 }),
  // docs/rate-limits.md: refusals cost the caller too.
  GATEHOUSE_LIMIT_FAILED_AUTH: budget.default({ points: 50, durationSeconds: 300 }),
  GATEHOUSE_LIMIT_DENIED: budget.default({ points: 100, durationSeconds: 300 }),
  GATEHOUSE_METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  // Unset: 9464 in production, no listener in development and test (a second instance would fight over it).
  GATEHOUSE_METRICS_PORT: metricsPort.optional(),
  GATEHOUSE_STUFFING_THRESHOLD: stuffingThreshold.default({ failures: 50, distinctEmails: 20, distinctIps: 10 }),
  GATEHOUSE_STUFFING_WINDOW: positiveSeconds.default(300),
  GATEHOUSE_STUFFING_STRICT_SECONDS: positiveSeconds.default(900),
  GATEHOUSE_STUFFING_STRICT_LIMIT: budget.default({ points: 3, durationSeconds: 900 }),
  GATEHOUSE_ENUMERATION_LIMIT: budget.default({ points: 20, durationSeconds: 60 }),
  GATEHOUSE_ENUMERATION_BLOCK: positiveSeconds.default(900),
  GATEHOUSE_TRPC_FAST_PATH: z.enum(['true', 'false']).default('true'),
  GATEHOUSE_TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
  GATEHOUSE_PASSWORD_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  GATEHOUSE_PASSWORD_QUEUE: z.coerce.number().int().min(1).max(100_000).default(64),
});

export type ConfigEnv = z.input<typeof envSchema>;

/** Every environment variable the schema reads; docs/configuration.md's table lists exactly these (tested). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

/** The configuration every part of the server receives: built from the schema's output by `configOf`, never written out twice. */
export type Config = ReturnType<typeof configOf>;

export type TlsConfig = NonNullable<Config['tls']>;
export type LoginBudget = Config['loginLimits']['email'];
/** One Redis Cluster seed node (REDIS_CLUSTER_NODES). */
export type RedisNode = NonNullable<ParsedEnv['REDIS_CLUSTER_NODES']>[number];
/** Redis as a store: one server (REDIS_URL) or, with REDIS_CLUSTER_NODES, a Redis Cluster. */
export type RedisStoreConfig = ReturnType<typeof redisStoreOf>;
export type DatabaseConfig = NonNullable<Config['database']>;
/** The audit log (apps/server/src/audit). */
export type AuditConfig = Config['audit'];
/** Thresholds of the abuse detectors (apps/server/src/abuse). */
export type AbuseConfig = Config['abuse'];

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
    throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, env)));
  }
  const e = parsedWithResolvedPaths(parsed.data, env);
  const issues = combinationIssues(e, env);
  if (issues.length > 0) throw new ConfigError(issues);
  return configOf(e);
}

/** What each variable allows alone but not with the others (or not in production). */
function combinationIssues(e: ParsedEnv, env: Readonly<Record<string, string | undefined>>): string[] {
  const issues: string[] = [];
  if (env['GATEHOUSE_AUDIT_LOG_MAX_RECORDS'] !== undefined && env['GATEHOUSE_AUDIT_LOG_MAX_RECORDS'] !== '') {
    // Silently ignoring it would leave an operator believing the log is bounded by count.
    issues.push('GATEHOUSE_AUDIT_LOG_MAX_RECORDS: removed; the audit log is trimmed by age only, see GATEHOUSE_AUDIT_LOG_RETENTION');
  }

  if ((e.GATEHOUSE_TLS_CERT === undefined) !== (e.GATEHOUSE_TLS_KEY === undefined)) {
    issues.push('GATEHOUSE_TLS_CERT / GATEHOUSE_TLS_KEY: set both or neither');
  }
  if (e.GATEHOUSE_TLS_CLIENT_CA !== undefined && e.GATEHOUSE_TLS_CERT === undefined) {
    issues.push('GATEHOUSE_TLS_CLIENT_CA: mTLS needs GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY');
  }

  if (e.GATEHOUSE_ENV === 'production') {
    if (e.GATEHOUSE_SIGNING_KEYS_FILE === undefined) {
      issues.push('GATEHOUSE_SIGNING_KEYS_FILE: production needs persistent signing keys, not an ephemeral key');
    }
    if (e.GATEHOUSE_STORE === 'memory') {
      issues.push('GATEHOUSE_STORE: production needs redis or postgres; memory state is lost on restart and not shared');
    }
    if (e.GATEHOUSE_RATE_LIMIT_STORE === 'memory') {
      issues.push('GATEHOUSE_RATE_LIMIT_STORE: production needs redis; in memory every process would grant the full budget');
    }
    if (e.GATEHOUSE_AUDIT_HMAC_KEY === undefined) {
      issues.push('GATEHOUSE_AUDIT_HMAC_KEY: production needs a persistent audit key; a per-start key leaves older records unverifiable');
    }
    if (e.GATEHOUSE_TOKEN_NETWORK_KEY === undefined) {
      issues.push('GATEHOUSE_TOKEN_NETWORK_KEY: production needs a key shared by every process; with a per-start key every token looks moved after a restart or on another process');
    }
    if (e.GATEHOUSE_SECRET_ENCRYPTION_KEY === undefined) {
      issues.push('GATEHOUSE_SECRET_ENCRYPTION_KEY: production needs a persistent key shared by every process; with a per-start key no enrolled second factor can be checked after a restart');
    }
    if (tlsOf(e) === undefined && e.GATEHOUSE_TRUST_PROXY === false) {
      // `0` and `false` both mean no proxy: plain HTTP end to end, tokens and passwords readable on the wire.
      const value = env['GATEHOUSE_TRUST_PROXY'] === undefined ? 'unset' : `"${env['GATEHOUSE_TRUST_PROXY']}"`;
      issues.push(`GATEHOUSE_TLS_CERT / GATEHOUSE_TRUST_PROXY: production needs TLS here or a trusted TLS-terminating proxy (no TLS, and GATEHOUSE_TRUST_PROXY is ${value})`);
    }
  }
  return issues;
}

function tlsOf(e: ParsedEnv) {
  return e.GATEHOUSE_TLS_CERT !== undefined && e.GATEHOUSE_TLS_KEY !== undefined
    ? ({
        certFile: e.GATEHOUSE_TLS_CERT,
        keyFile: e.GATEHOUSE_TLS_KEY,
        /** When set, client certificates are requested and verified against this CA (mTLS). */
        clientCaFile: e.GATEHOUSE_TLS_CLIENT_CA,
      } as const)
    : undefined;
}

function redisStoreOf(e: ParsedEnv) {
  return {
    kind: 'redis',
    url: e.REDIS_URL,
    /** Set: a Redis Cluster reached through these seed nodes; REDIS_URL is then unused. */
    ...(e.REDIS_CLUSTER_NODES === undefined ? {} : { clusterNodes: e.REDIS_CLUSTER_NODES }),
    keyPrefix: e.GATEHOUSE_REDIS_PREFIX,
  } as const;
}

/** The Config of a parsed environment that passed combinationIssues: its type is this function's return type. */
function configOf(e: ParsedEnv) {
  const tls = tlsOf(e);
  const scheme = tls === undefined ? 'http' : 'https';
  const hostForUrl = e.GATEHOUSE_HOST.includes(':') ? `[${e.GATEHOUSE_HOST}]` : e.GATEHOUSE_HOST;
  const redisStore = redisStoreOf(e);
  const memoryStore = { kind: 'memory' } as const;
  const issuer = (e.GATEHOUSE_ISSUER ?? `${scheme}://${hostForUrl}:${e.GATEHOUSE_PORT}`).replace(/\/+$/, '');

  return Object.freeze({
    env: e.GATEHOUSE_ENV,
    host: e.GATEHOUSE_HOST,
    port: e.GATEHOUSE_PORT,
    issuer,
    audience: e.GATEHOUSE_AUDIENCE ?? issuer,
    /**
     * Where state lives: one process's memory, or Redis. With GATEHOUSE_STORE=postgres, Redis keeps
     * the hot state (rate limits, revocation, refresh families, codes, abuse counters).
     */
    store: e.GATEHOUSE_STORE === 'memory' ? memoryStore : redisStore,
    /** GATEHOUSE_STORE=postgres: users, orders, API keys and the audit log live here instead of in `store`. */
    database:
      e.GATEHOUSE_STORE === 'postgres'
        ? Object.freeze({
            kind: 'postgres',
            url: e.DATABASE_URL,
            /** Bound on connecting, waiting for a pool slot and on each statement (GATEHOUSE_DATABASE_TIMEOUT_MS). */
            timeoutMs: e.GATEHOUSE_DATABASE_TIMEOUT_MS,
            poolSize: e.GATEHOUSE_DATABASE_POOL_SIZE,
            /** How long a cached user or API key lookup is believed (GATEHOUSE_DATABASE_CACHE_TTL_MS); 0 turns the cache off. */
            cacheTtlMs: e.GATEHOUSE_DATABASE_CACHE_TTL_MS,
          } as const)
        : undefined,
    /** How long one Redis command may take before the caller's fallback applies (GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS). */
    redisCommandTimeoutMs: e.GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS,
    seedFile: e.GATEHOUSE_SEED_FILE,
    signingKeysFile: e.GATEHOUSE_SIGNING_KEYS_FILE,
    accessTokenTtlSeconds: e.GATEHOUSE_ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.GATEHOUSE_REFRESH_TOKEN_TTL,
    /** GATEHOUSE_REFRESH_GRACE_SECONDS: a just-rotated token replayed this soon gets the same successor back (0: off). */
    refreshGraceSeconds: e.GATEHOUSE_REFRESH_GRACE_SECONDS,
    dpopNonce: e.GATEHOUSE_DPOP_NONCE,
    bcryptCost: e.GATEHOUSE_BCRYPT_COST,
    limits: { public: e.GATEHOUSE_LIMIT_PUBLIC, authenticated: e.GATEHOUSE_LIMIT_AUTHENTICATED },
    /** Budgets of the OAuth endpoints (docs/rate-limits.md). */
    oauthLimits: {
      /** GET and POST /oauth/authorize, per client IP. */
      authorize: e.GATEHOUSE_LIMIT_OAUTH_AUTHORIZE,
      /** /oauth/token, /oauth/introspect and /oauth/revoke, per authenticated client (a public client per client and IP). */
      client: e.GATEHOUSE_LIMIT_OAUTH_CLIENT,
      /** Failed client authentications at those endpoints, per client IP: secret guesses end in 429 before bcrypt. */
      clientAuthFailures: e.GATEHOUSE_LIMIT_OAUTH_CLIENT_FAILURES,
    },
    /** Where rate-limit counters live: one process's memory, or Redis shared by every process. */
    rateLimitStore: (e.GATEHOUSE_RATE_LIMIT_STORE ?? (e.GATEHOUSE_STORE === 'memory' ? 'memory' : 'redis')) === 'redis' ? redisStore : memoryStore,
    /** The layered brute-force defence of auth.login (docs/rate-limits.md). */
    loginLimits: {
      emailAndIp: e.GATEHOUSE_LOGIN_LIMIT_EMAIL_IP,
      email: e.GATEHOUSE_LOGIN_LIMIT_EMAIL,
      ip: e.GATEHOUSE_LOGIN_LIMIT_IP,
    },
    corsOrigins: Object.freeze([...e.GATEHOUSE_CORS_ORIGINS]),
    /** Which X-Forwarded-For hops are believed (http/trust-proxy-setting.ts): never a bare hop count. */
    trustProxy: e.GATEHOUSE_TRUST_PROXY,
    tls,
    logLevel: e.GATEHOUSE_LOG_LEVEL,
    /** Largest request body accepted; larger ones are answered 413 before any parsing. */
    bodyLimitBytes: e.GATEHOUSE_BODY_LIMIT_BYTES,
    audit: Object.freeze({
      /** Records older than this are removed, visibly (metric and `audit.trimmed`); nothing else removes any. */
      retentionSeconds: e.GATEHOUSE_AUDIT_LOG_RETENTION,
      /** Repeated identical refusals within this window share one record with a count. */
      aggregationWindowSeconds: e.GATEHOUSE_AUDIT_AGGREGATION_WINDOW,
      /** The chain's HMAC key; undefined: one is generated per start (development and test only, warned). */
      hmacKey: e.GATEHOUSE_AUDIT_HMAC_KEY,
    } as const),
    /** Per-IP budgets of refusals (ratelimit/refusal-budgets.ts). */
    refusalLimits: {
      /** Failed authentication (bad, forged, expired or revoked credentials), per client IP. */
      failedAuth: e.GATEHOUSE_LIMIT_FAILED_AUTH,
      /** Denied calls (403), per client IP; each principal's are charged to its own budget as well. */
      denied: e.GATEHOUSE_LIMIT_DENIED,
    },
    /** Where GET /metrics listens: its own address, never the API's (undefined: no listener; the default outside production). */
    metrics: metricsAddress(e),
    abuse: {
      stuffing: {
        ...e.GATEHOUSE_STUFFING_THRESHOLD,
        windowSeconds: e.GATEHOUSE_STUFFING_WINDOW,
        /** How long login stays under the strict policy once stuffing is detected. */
        strictSeconds: e.GATEHOUSE_STUFFING_STRICT_SECONDS,
        /** Login attempts per client IP while the strict policy holds. */
        strictLimit: e.GATEHOUSE_STUFFING_STRICT_LIMIT,
      },
      enumeration: {
        /** NOT_FOUND/FORBIDDEN answers on id lookups per principal or IP within the window. */
        misses: e.GATEHOUSE_ENUMERATION_LIMIT.points,
        windowSeconds: e.GATEHOUSE_ENUMERATION_LIMIT.durationSeconds,
        blockSeconds: e.GATEHOUSE_ENUMERATION_BLOCK,
      },
    },
    /** Serve plain JSON tRPC calls straight from Node's request and response (http/fast-trpc); false: tRPC's Fastify adapter for all. */
    trpcFastPath: e.GATEHOUSE_TRPC_FAST_PATH === 'true',
    /** How many verified access tokens to remember (tokens/verified-token-cache.ts); 0 verifies every call. */
    tokenCacheSize: e.GATEHOUSE_TOKEN_CACHE_SIZE,
    /** Keys the hash of an access token's issuing network (GATEHOUSE_TOKEN_NETWORK_KEY); undefined: a random key for this process. */
    tokenNetworkKey: e.GATEHOUSE_TOKEN_NETWORK_KEY,
    /** Seals second-factor secrets (GATEHOUSE_SECRET_ENCRYPTION_KEY); undefined: a random key for this process. */
    secretEncryptionKey: e.GATEHOUSE_SECRET_ENCRYPTION_KEY,
    /** Wrong second-factor codes a user may send before the factor is refused for a while (GATEHOUSE_SECOND_FACTOR_LIMIT). */
    secondFactorLimit: e.GATEHOUSE_SECOND_FACTOR_LIMIT,
    /** bcrypt runs in this many worker threads, and at most `queue` more wait; beyond that a login is refused with 503. */
    passwordWorkers: Object.freeze({
      threads: e.GATEHOUSE_PASSWORD_WORKERS ?? defaultPasswordWorkers(),
      queue: e.GATEHOUSE_PASSWORD_QUEUE,
    }),
  } as const);
}

/** Where a variable's effective value came from, for `pnpm gatehouse config print`. */
export type ConfigValueSource = 'env' | 'default' | 'unset';

export interface ConfigVariableValue {
  readonly name: string;
  /** The parsed value (relative paths resolved), or undefined when unset with no default. */
  readonly value: unknown;
  readonly source: ConfigValueSource;
  /** The value is a secret: callers print that it is set, never what it is. */
  readonly secret: boolean;
}

/**
 * Every variable of the schema with its effective value and where it came
 * from. Throws ConfigError exactly as parseConfig does: an environment the
 * server would refuse has no effective configuration to show.
 */
export function describeConfigVariables(env: Readonly<Record<string, string | undefined>>): readonly ConfigVariableValue[] {
  parseConfig(env);
  const defined = pickDefined(env);
  const parsed = parsedWithResolvedPaths(envSchema.parse(defined), env) as Record<string, unknown>;
  return CONFIG_VARIABLES.map((name) => ({
    name,
    value: parsed[name],
    source: name in defined ? 'env' : parsed[name] === undefined ? 'unset' : 'default',
    secret: SECRET_VARIABLES.has(name),
  }));
}

/** The default port, 9464 (Prometheus exporters' customary range), only in production; elsewhere metrics are opt-in. */
export const DEFAULT_METRICS_PORT = 9464;

function metricsAddress(e: ParsedEnv): { readonly host: string; readonly port: number } | undefined {
  const port = e.GATEHOUSE_METRICS_PORT ?? (e.GATEHOUSE_ENV === 'production' ? DEFAULT_METRICS_PORT : 'off');
  return port === 'off' ? undefined : { host: e.GATEHOUSE_METRICS_HOST, port };
}

type ParsedEnv = z.output<typeof envSchema>;

/** Variables naming files: a relative path means relative to where the user ran the command. */
const PATH_VARIABLES = ['GATEHOUSE_SEED_FILE', 'GATEHOUSE_SIGNING_KEYS_FILE', 'GATEHOUSE_TLS_CERT', 'GATEHOUSE_TLS_KEY', 'GATEHOUSE_TLS_CLIENT_CA'] as const;

/**
 * pnpm runs a package's scripts in its folder (`pnpm --filter @gatehouse/server dev`
 * runs the server in apps/server), so `GATEHOUSE_SEED_FILE=seed.json` typed at the
 * repository root would otherwise be looked for in the wrong folder. pnpm records
 * the caller's folder in INIT_CWD; without pnpm it is the cwd.
 */
function parsedWithResolvedPaths(e: ParsedEnv, env: Readonly<Record<string, string | undefined>>): ParsedEnv {
  const initCwd = env['INIT_CWD'];
  const base = initCwd !== undefined && initCwd !== '' && isAbsolute(initCwd) ? initCwd : process.cwd();
  const resolved: ParsedEnv = { ...e };
  for (const name of PATH_VARIABLES) {
    const value = e[name];
    if (value !== undefined) resolved[name] = resolve(base, value);
  }
  return resolved;
}

/** Values never echoed in an error: a key's characters are the secret itself. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['GATEHOUSE_AUDIT_HMAC_KEY', 'GATEHOUSE_TOKEN_NETWORK_KEY', 'GATEHOUSE_SECRET_ENCRYPTION_KEY']);

/**
 * One line per issue, quoting the value the user gave: `GATEHOUSE_PORT: expected
 * a number; got "abc"` says what to fix where zod alone says "received NaN".
 */
function describeIssue(issue: z.core.$ZodIssue, env: Readonly<Record<string, string | undefined>>): string {
  const name = issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)';
  const detail = issue.message
    .replace(/^Invalid input: /, '')
    .replace(/, received \S+$/, '')
    .replace(/^expected number$/, 'expected a number');
  const raw = env[String(issue.path[0])];
  if (raw === undefined || raw === '') return `${name}: ${detail}`;
  const quoted = quoteValue(String(issue.path[0]), raw);
  return detail.includes(quoted) ? `${name}: ${detail}` : `${name}: ${detail}; got ${quoted}`;
}

function quoteValue(name: string, raw: string): string {
  if (SECRET_VARIABLES.has(name)) return `a value of ${raw.length} characters (not shown: it is a secret)`;
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
  // A Redis or PostgreSQL URL may carry a password (redis://:password@host): everything between // and @ is hidden.
  return JSON.stringify(name === 'REDIS_URL' || name === 'DATABASE_URL' ? shown.replace(/\/\/[^/@]*@/, '//***@') : shown);
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

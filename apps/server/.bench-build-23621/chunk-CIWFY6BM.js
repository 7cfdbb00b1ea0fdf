// src/config.ts
import { availableParallelism } from "node:os";
import { isAbsolute, resolve } from "node:path";
import process from "node:process";
import { z as z2 } from "zod";

// src/http/trust-proxy-setting.ts
import { isIP } from "node:net";
import proxyAddr from "@fastify/proxy-addr";
import { z } from "zod";
var MAX_HOPS = 32;
var EXAMPLE = "e.g. 10.0.0.0/8,192.168.1.10 or 10.0.0.0/8,hops=2";
var trustProxySetting = z.string().trim().transform((value, ctx) => {
  const lower = value.toLowerCase();
  if (lower === "" || lower === "false" || lower === "0") return false;
  const refuse2 = (message) => {
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  };
  if (lower === "true") {
    return refuse2(`"${value}" would let every client choose its IP through X-Forwarded-For; list the proxies' addresses (${EXAMPLE})`);
  }
  if (/^\d+$/.test(value)) {
    return refuse2(
      `"${value}" is a bare hop count, which lets a client that connects directly choose its IP; list the proxies' addresses, with the hop count as an entry (${EXAMPLE})`
    );
  }
  const addresses = [];
  let hops;
  for (const entry of value.split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    if (entry.toLowerCase().startsWith("hops=")) {
      const count = /^hops=(\d{1,3})$/i.exec(entry)?.[1];
      if (count === void 0 || Number(count) < 1 || Number(count) > MAX_HOPS) {
        return refuse2(`${quoted(entry, value)}: hops must be a whole number from 1 to ${MAX_HOPS}`);
      }
      if (hops !== void 0) return refuse2(`"${value}" gives hops twice`);
      hops = Number(count);
      continue;
    }
    const problem = addressProblem(entry);
    if (problem !== void 0) return refuse2(`${quoted(entry, value)} ${problem} (${EXAMPLE})`);
    addresses.push(entry);
  }
  if (addresses.length === 0) {
    return refuse2(`"${value}" names no proxy address: a hop count is only accepted together with the proxies' addresses (${EXAMPLE})`);
  }
  return Object.freeze({ addresses: Object.freeze(addresses), hops });
});
function quoted(entry, value) {
  return entry === value ? `"${value}"` : `"${entry}" in "${value}"`;
}
function addressProblem(entry) {
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const prefix = slash === -1 ? void 0 : entry.slice(slash + 1);
  const family = isIP(address);
  if (family === 0) return "is not an IP address or CIDR range";
  const maxPrefix = family === 4 ? 32 : 128;
  if (prefix !== void 0 && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > maxPrefix)) {
    return `has no valid prefix length (0 to ${maxPrefix})`;
  }
  const bits = prefix === void 0 ? maxPrefix : Number(prefix);
  if (bits === 0 || family === 6 && isIpv4Mapped(address) && bits <= 96) return "trusts every address, as true would";
  try {
    proxyAddr.compile([entry]);
  } catch {
    return "is not an IP address or CIDR range";
  }
  return void 0;
}
function isIpv4Mapped(address) {
  return new URL(`http://[${address}]/`).hostname.startsWith("[::ffff:");
}

// src/config.ts
var ENVIRONMENTS = ["development", "test", "production"];
var port = z2.coerce.number().int().min(0).max(65535);
var positiveSeconds = z2.coerce.number().int().positive();
var budget = z2.string().regex(/^\d+\/\d+$/, "expected points/seconds, e.g. 100/3600").transform((value) => {
  const [points, durationSeconds] = value.split("/").map(Number);
  return { points, durationSeconds };
}).refine((b) => b.points > 0 && b.durationSeconds > 0, "points and seconds must both be positive");
var originList = z2.string().transform((value) => value.split(",").map((origin) => origin.trim()).filter(Boolean)).superRefine((origins, ctx) => {
  for (const origin of origins) {
    if (origin === "*") {
      ctx.addIssue({ code: "custom", message: "list exact origins; * is not allowed" });
      continue;
    }
    let parsed;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = void 0;
    }
    if (parsed === void 0 || parsed.origin !== origin) {
      ctx.addIssue({ code: "custom", message: `"${origin}" is not an exact origin like https://app.example.com` });
    }
  }
});
var optionalPath = z2.string().trim().min(1).optional();
var stuffingThreshold = z2.string().regex(/^\d+\/\d+\/\d+$/, "expected failures/emails/ips, e.g. 50/20/10").transform((value) => {
  const [failures, distinctEmails, distinctIps] = value.split("/").map(Number);
  return { failures, distinctEmails, distinctIps };
}).refine((t2) => t2.failures > 0 && t2.distinctEmails > 0 && t2.distinctIps > 0, "all three must be positive");
var metricsPort = z2.union([z2.literal("off"), port], { error: "expected a port (0-65535) or off" });
var loginBudget = z2.string().regex(/^\d+\/\d+\/\d+$/, "expected points/windowSeconds/blockSeconds, e.g. 5/86400/900").transform((value) => {
  const [points, durationSeconds, blockDurationSeconds] = value.split("/").map(Number);
  return { points, durationSeconds, blockDurationSeconds };
}).refine((b) => b.points > 0 && b.durationSeconds > 0 && b.blockDurationSeconds > 0, "all three numbers must be positive");
var auditKey = z2.string().trim().regex(/^[A-Za-z0-9+/_-]+={0,2}$/, "expected base64, e.g. the output of `openssl rand -base64 32`").transform((value) => new Uint8Array(Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64"))).refine((key) => key.byteLength >= 32, "needs at least 32 bytes (44 base64 characters)");
var redisClusterNodes = z2.string().trim().transform((value, context) => {
  const nodes = [];
  for (const entry of value.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
    const portNumber = Number(match?.[2]);
    if (match?.[1] === void 0 || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
      context.addIssue({ code: "custom", message: `"${entry}" is not host:port` });
      return z2.NEVER;
    }
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ""), port: portNumber });
  }
  if (nodes.length === 0) {
    context.addIssue({ code: "custom", message: "needs at least one host:port" });
    return z2.NEVER;
  }
  return Object.freeze(nodes);
});
var envSchema = z2.object({
  GATEHOUSE_ENV: z2.enum(ENVIRONMENTS).default("development"),
  GATEHOUSE_HOST: z2.string().trim().min(1).default("127.0.0.1"),
  GATEHOUSE_PORT: port.default(3e3),
  GATEHOUSE_ISSUER: z2.url().optional(),
  GATEHOUSE_AUDIENCE: z2.string().trim().min(1).optional(),
  GATEHOUSE_STORE: z2.enum(["memory", "redis"]).default("memory"),
  REDIS_URL: z2.url().default("redis://127.0.0.1:6379"),
  GATEHOUSE_REDIS_PREFIX: z2.string().regex(/^[\w:.-]{1,64}$/).default("gatehouse:"),
  // The longest a request waits on one Redis command before its defined fallback (insurance limiter or 503).
  GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: z2.coerce.number().int().min(10).max(6e4).default(250),
  // README "Running several instances": set, every Redis use goes to this Redis Cluster instead of REDIS_URL.
  REDIS_CLUSTER_NODES: redisClusterNodes.optional(),
  // A just-rotated refresh token replayed within this many seconds gets the same successor back (0: off, reuse as ever).
  GATEHOUSE_REFRESH_GRACE_SECONDS: z2.coerce.number().int().min(0).max(60).default(0),
  GATEHOUSE_SEED_FILE: optionalPath,
  GATEHOUSE_SIGNING_KEYS_FILE: optionalPath,
  GATEHOUSE_ACCESS_TOKEN_TTL: positiveSeconds.max(86400).default(900),
  GATEHOUSE_REFRESH_TOKEN_TTL: positiveSeconds.default(604800),
  GATEHOUSE_BCRYPT_COST: z2.coerce.number().int().min(4).max(15).default(12),
  GATEHOUSE_LIMIT_PUBLIC: budget.default({ points: 100, durationSeconds: 3600 }),
  GATEHOUSE_LIMIT_AUTHENTICATED: budget.default({ points: 600, durationSeconds: 60 }),
  // README "Rate limits": OAuth endpoints have their own budgets, authorize per IP, the others per authenticated client.
  GATEHOUSE_LIMIT_OAUTH_AUTHORIZE: budget.default({ points: 100, durationSeconds: 3600 }),
  GATEHOUSE_LIMIT_OAUTH_CLIENT: budget.default({ points: 6e3, durationSeconds: 60 }),
  GATEHOUSE_LIMIT_OAUTH_CLIENT_FAILURES: budget.default({ points: 20, durationSeconds: 900 }),
  // Where rate-limit counters live; unset means wherever GATEHOUSE_STORE keeps state.
  GATEHOUSE_RATE_LIMIT_STORE: z2.enum(["memory", "redis"]).optional(),
  // README "Rate limits" for auth.login: consecutive failures per email+IP, failures per email, per IP.
  GATEHOUSE_LOGIN_LIMIT_EMAIL_IP: loginBudget.default({ points: 5, durationSeconds: 86400, blockDurationSeconds: 900 }),
  GATEHOUSE_LOGIN_LIMIT_EMAIL: loginBudget.default({ points: 10, durationSeconds: 3600, blockDurationSeconds: 900 }),
  GATEHOUSE_LOGIN_LIMIT_IP: loginBudget.default({ points: 100, durationSeconds: 86400, blockDurationSeconds: 86400 }),
  GATEHOUSE_CORS_ORIGINS: originList.default([]),
  GATEHOUSE_TRUST_PROXY: trustProxySetting.default(false),
  GATEHOUSE_TLS_CERT: optionalPath,
  GATEHOUSE_TLS_KEY: optionalPath,
  GATEHOUSE_TLS_CLIENT_CA: optionalPath,
  GATEHOUSE_LOG_LEVEL: z2.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GATEHOUSE_BODY_LIMIT_BYTES: z2.coerce.number().int().min(1024).max(67108864).default(1048576),
  // The audit log is trimmed by age only (README "The audit log"): a flood of recent events can never push records out.
  GATEHOUSE_AUDIT_LOG_RETENTION: positiveSeconds.default(31536e3),
  GATEHOUSE_AUDIT_AGGREGATION_WINDOW: positiveSeconds.max(86400).default(60),
  GATEHOUSE_AUDIT_HMAC_KEY: auditKey.optional(),
  // README "Rate limits": refusals cost the caller too.
  GATEHOUSE_LIMIT_FAILED_AUTH: budget.default({ points: 50, durationSeconds: 300 }),
  GATEHOUSE_LIMIT_DENIED: budget.default({ points: 100, durationSeconds: 300 }),
  GATEHOUSE_METRICS_HOST: z2.string().trim().min(1).default("127.0.0.1"),
  // Unset: 9464 in production, no listener in development and test (a second instance would fight over it).
  GATEHOUSE_METRICS_PORT: metricsPort.optional(),
  GATEHOUSE_STUFFING_THRESHOLD: stuffingThreshold.default({ failures: 50, distinctEmails: 20, distinctIps: 10 }),
  GATEHOUSE_STUFFING_WINDOW: positiveSeconds.default(300),
  GATEHOUSE_STUFFING_STRICT_SECONDS: positiveSeconds.default(900),
  GATEHOUSE_STUFFING_STRICT_LIMIT: budget.default({ points: 3, durationSeconds: 900 }),
  GATEHOUSE_ENUMERATION_LIMIT: budget.default({ points: 20, durationSeconds: 60 }),
  GATEHOUSE_ENUMERATION_BLOCK: positiveSeconds.default(900),
  GATEHOUSE_TRPC_FAST_PATH: z2.enum(["true", "false"]).default("true"),
  GATEHOUSE_TOKEN_CACHE_SIZE: z2.coerce.number().int().min(0).max(1e7).default(5e4),
  GATEHOUSE_PASSWORD_WORKERS: z2.coerce.number().int().min(1).max(64).optional(),
  GATEHOUSE_PASSWORD_QUEUE: z2.coerce.number().int().min(1).max(1e5).default(64)
});
var CONFIG_VARIABLES = Object.freeze(Object.keys(envSchema.shape));
var ConfigError = class extends Error {
  constructor(issues) {
    super(`Invalid configuration:
${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.issues = issues;
    this.name = "ConfigError";
  }
  issues;
};
function parseConfig(env) {
  const parsed = envSchema.safeParse(pickDefined(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, env)));
  }
  const e = parsedWithResolvedPaths(parsed.data, env);
  const issues = [];
  if (env["GATEHOUSE_AUDIT_LOG_MAX_RECORDS"] !== void 0 && env["GATEHOUSE_AUDIT_LOG_MAX_RECORDS"] !== "") {
    issues.push("GATEHOUSE_AUDIT_LOG_MAX_RECORDS: removed; the audit log is trimmed by age only, see GATEHOUSE_AUDIT_LOG_RETENTION");
  }
  if (e.GATEHOUSE_TLS_CERT === void 0 !== (e.GATEHOUSE_TLS_KEY === void 0)) {
    issues.push("GATEHOUSE_TLS_CERT / GATEHOUSE_TLS_KEY: set both or neither");
  }
  if (e.GATEHOUSE_TLS_CLIENT_CA !== void 0 && e.GATEHOUSE_TLS_CERT === void 0) {
    issues.push("GATEHOUSE_TLS_CLIENT_CA: mTLS needs GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY");
  }
  const tls = e.GATEHOUSE_TLS_CERT !== void 0 && e.GATEHOUSE_TLS_KEY !== void 0 ? { certFile: e.GATEHOUSE_TLS_CERT, keyFile: e.GATEHOUSE_TLS_KEY, clientCaFile: e.GATEHOUSE_TLS_CLIENT_CA } : void 0;
  const scheme = tls === void 0 ? "http" : "https";
  const hostForUrl = e.GATEHOUSE_HOST.includes(":") ? `[${e.GATEHOUSE_HOST}]` : e.GATEHOUSE_HOST;
  const redisStore = {
    kind: "redis",
    url: e.REDIS_URL,
    ...e.REDIS_CLUSTER_NODES === void 0 ? {} : { clusterNodes: e.REDIS_CLUSTER_NODES },
    keyPrefix: e.GATEHOUSE_REDIS_PREFIX
  };
  const issuer = (e.GATEHOUSE_ISSUER ?? `${scheme}://${hostForUrl}:${e.GATEHOUSE_PORT}`).replace(/\/+$/, "");
  if (e.GATEHOUSE_ENV === "production") {
    if (e.GATEHOUSE_SIGNING_KEYS_FILE === void 0) {
      issues.push("GATEHOUSE_SIGNING_KEYS_FILE: production needs persistent signing keys, not an ephemeral key");
    }
    if (e.GATEHOUSE_STORE === "memory") {
      issues.push("GATEHOUSE_STORE: production needs redis; memory state is lost on restart and not shared");
    }
    if (e.GATEHOUSE_RATE_LIMIT_STORE === "memory") {
      issues.push("GATEHOUSE_RATE_LIMIT_STORE: production needs redis; in memory every process would grant the full budget");
    }
    if (e.GATEHOUSE_AUDIT_HMAC_KEY === void 0) {
      issues.push("GATEHOUSE_AUDIT_HMAC_KEY: production needs a persistent audit key; a per-start key leaves older records unverifiable");
    }
    if (tls === void 0 && e.GATEHOUSE_TRUST_PROXY === false) {
      const value = env["GATEHOUSE_TRUST_PROXY"] === void 0 ? "unset" : `"${env["GATEHOUSE_TRUST_PROXY"]}"`;
      issues.push(`GATEHOUSE_TLS_CERT / GATEHOUSE_TRUST_PROXY: production needs TLS here or a trusted TLS-terminating proxy (no TLS, and GATEHOUSE_TRUST_PROXY is ${value})`);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    env: e.GATEHOUSE_ENV,
    host: e.GATEHOUSE_HOST,
    port: e.GATEHOUSE_PORT,
    issuer,
    audience: e.GATEHOUSE_AUDIENCE ?? issuer,
    store: e.GATEHOUSE_STORE === "redis" ? redisStore : { kind: "memory" },
    redisCommandTimeoutMs: e.GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS,
    seedFile: e.GATEHOUSE_SEED_FILE,
    signingKeysFile: e.GATEHOUSE_SIGNING_KEYS_FILE,
    accessTokenTtlSeconds: e.GATEHOUSE_ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.GATEHOUSE_REFRESH_TOKEN_TTL,
    refreshGraceSeconds: e.GATEHOUSE_REFRESH_GRACE_SECONDS,
    bcryptCost: e.GATEHOUSE_BCRYPT_COST,
    limits: { public: e.GATEHOUSE_LIMIT_PUBLIC, authenticated: e.GATEHOUSE_LIMIT_AUTHENTICATED },
    oauthLimits: {
      authorize: e.GATEHOUSE_LIMIT_OAUTH_AUTHORIZE,
      client: e.GATEHOUSE_LIMIT_OAUTH_CLIENT,
      clientAuthFailures: e.GATEHOUSE_LIMIT_OAUTH_CLIENT_FAILURES
    },
    rateLimitStore: (e.GATEHOUSE_RATE_LIMIT_STORE ?? e.GATEHOUSE_STORE) === "redis" ? redisStore : { kind: "memory" },
    loginLimits: {
      emailAndIp: e.GATEHOUSE_LOGIN_LIMIT_EMAIL_IP,
      email: e.GATEHOUSE_LOGIN_LIMIT_EMAIL,
      ip: e.GATEHOUSE_LOGIN_LIMIT_IP
    },
    corsOrigins: Object.freeze([...e.GATEHOUSE_CORS_ORIGINS]),
    trustProxy: e.GATEHOUSE_TRUST_PROXY,
    tls,
    logLevel: e.GATEHOUSE_LOG_LEVEL,
    bodyLimitBytes: e.GATEHOUSE_BODY_LIMIT_BYTES,
    audit: Object.freeze({
      retentionSeconds: e.GATEHOUSE_AUDIT_LOG_RETENTION,
      aggregationWindowSeconds: e.GATEHOUSE_AUDIT_AGGREGATION_WINDOW,
      hmacKey: e.GATEHOUSE_AUDIT_HMAC_KEY
    }),
    refusalLimits: { failedAuth: e.GATEHOUSE_LIMIT_FAILED_AUTH, denied: e.GATEHOUSE_LIMIT_DENIED },
    metrics: metricsAddress(e),
    abuse: {
      stuffing: {
        ...e.GATEHOUSE_STUFFING_THRESHOLD,
        windowSeconds: e.GATEHOUSE_STUFFING_WINDOW,
        strictSeconds: e.GATEHOUSE_STUFFING_STRICT_SECONDS,
        strictLimit: e.GATEHOUSE_STUFFING_STRICT_LIMIT
      },
      enumeration: {
        misses: e.GATEHOUSE_ENUMERATION_LIMIT.points,
        windowSeconds: e.GATEHOUSE_ENUMERATION_LIMIT.durationSeconds,
        blockSeconds: e.GATEHOUSE_ENUMERATION_BLOCK
      }
    },
    trpcFastPath: e.GATEHOUSE_TRPC_FAST_PATH === "true",
    tokenCacheSize: e.GATEHOUSE_TOKEN_CACHE_SIZE,
    passwordWorkers: Object.freeze({
      threads: e.GATEHOUSE_PASSWORD_WORKERS ?? defaultPasswordWorkers(),
      queue: e.GATEHOUSE_PASSWORD_QUEUE
    })
  });
}
var DEFAULT_METRICS_PORT = 9464;
function metricsAddress(e) {
  const port2 = e.GATEHOUSE_METRICS_PORT ?? (e.GATEHOUSE_ENV === "production" ? DEFAULT_METRICS_PORT : "off");
  return port2 === "off" ? void 0 : { host: e.GATEHOUSE_METRICS_HOST, port: port2 };
}
var PATH_VARIABLES = ["GATEHOUSE_SEED_FILE", "GATEHOUSE_SIGNING_KEYS_FILE", "GATEHOUSE_TLS_CERT", "GATEHOUSE_TLS_KEY", "GATEHOUSE_TLS_CLIENT_CA"];
function parsedWithResolvedPaths(e, env) {
  const initCwd = env["INIT_CWD"];
  const base = initCwd !== void 0 && initCwd !== "" && isAbsolute(initCwd) ? initCwd : process.cwd();
  const resolved = { ...e };
  for (const name of PATH_VARIABLES) {
    const value = e[name];
    if (value !== void 0) resolved[name] = resolve(base, value);
  }
  return resolved;
}
var SECRET_VARIABLES = /* @__PURE__ */ new Set(["GATEHOUSE_AUDIT_HMAC_KEY"]);
function describeIssue(issue, env) {
  const name = issue.path.length > 0 ? issue.path.map(String).join(".") : "(environment)";
  const detail = issue.message.replace(/^Invalid input: /, "").replace(/, received \S+$/, "").replace(/^expected number$/, "expected a number");
  const raw = env[String(issue.path[0])];
  if (raw === void 0 || raw === "") return `${name}: ${detail}`;
  const quoted2 = quoteValue(String(issue.path[0]), raw);
  return detail.includes(quoted2) ? `${name}: ${detail}` : `${name}: ${detail}; got ${quoted2}`;
}
function quoteValue(name, raw) {
  if (SECRET_VARIABLES.has(name)) return `a value of ${raw.length} characters (not shown: it is a secret)`;
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}\u2026` : raw;
  return JSON.stringify(name === "REDIS_URL" ? shown.replace(/\/\/[^/@]*@/, "//***@") : shown);
}
function defaultPasswordWorkers() {
  return Math.max(1, availableParallelism() - 1);
}
function pickDefined(env) {
  const defined = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== void 0 && value !== "") defined[name] = value;
  }
  return defined;
}

// src/startup-error.ts
var StartupError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "StartupError";
  }
};
function listenError(variable, address, error) {
  const code = error?.code;
  if (code === "EADDRINUSE") {
    return new StartupError(`${variable}: ${address} is already in use; set ${variable} to a free port (0 picks one)`, { cause: error });
  }
  if (code === "EACCES") {
    return new StartupError(`${variable}: not allowed to listen on ${address} (ports below 1024 need privileges); choose a port above 1023`, { cause: error });
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new StartupError(`${variable}: cannot listen on ${address} (${code}): the host is not an address of this machine`, { cause: error });
  }
  return error;
}

// src/tokens/signing-keys.ts
import { hkdfSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from "jose";
import { z as z3 } from "zod";
var SIGNING_ALGORITHMS = ["ES256", "ES384", "EdDSA", "Ed25519", "RS256", "PS256"];
var PUBLIC_KEY_MEMBERS = {
  EC: ["kty", "crv", "x", "y"],
  OKP: ["kty", "crv", "x"],
  RSA: ["kty", "n", "e"]
};
var privateJwkSchema = z3.looseObject({
  kty: z3.enum(["EC", "OKP", "RSA"]),
  kid: z3.string().regex(/^[\w.-]{1,128}$/, "kid: 1 to 128 letters, digits, _ . -"),
  alg: z3.enum(SIGNING_ALGORITHMS),
  d: z3.string().min(1, 'a private key (with "d") is required')
});
var privateJwksSchema = z3.object({ keys: z3.array(privateJwkSchema).min(1) });
var SigningKeysError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "SigningKeysError";
  }
};
async function loadSigningKeysFile(path) {
  let parsed;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new SigningKeysError(`GATEHOUSE_SIGNING_KEYS_FILE: cannot read JSON from ${path}`, { cause: error });
  }
  const result = privateJwksSchema.safeParse(parsed);
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new SigningKeysError(`GATEHOUSE_SIGNING_KEYS_FILE: not a private JWKS (${detail})`);
  }
  const kids = result.data.keys.map((key) => key.kid);
  if (new Set(kids).size !== kids.length) throw new SigningKeysError("GATEHOUSE_SIGNING_KEYS_FILE: every kid must be unique");
  return buildSigningKeys(result.data.keys, false);
}
async function generateEphemeralSigningKeys() {
  return buildSigningKeys([await generatePrivateJwk("ES256")], true);
}
async function generatePrivateJwk(alg) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: "sig" };
}
async function buildSigningKeys(privateJwks, ephemeral) {
  const verification = /* @__PURE__ */ new Map();
  const publicJwks = [];
  let active;
  let activeSecret;
  for (const jwk of privateJwks) {
    const publicJwk = toPublicJwk(jwk);
    let privateKey;
    let publicKey;
    try {
      privateKey = await importJWK(jwk, jwk.alg);
      publicKey = await importJWK(publicJwk, jwk.alg);
    } catch (error) {
      throw new SigningKeysError(`signing key ${jwk.kid}: cannot import it as ${jwk.alg}`, { cause: error });
    }
    if (active === void 0) {
      active = { kid: jwk.kid, alg: jwk.alg, privateKey };
      activeSecret = jwk.d;
    }
    verification.set(jwk.kid, { key: publicKey, alg: jwk.alg });
    publicJwks.push({ ...publicJwk, kid: jwk.kid, alg: jwk.alg, use: "sig" });
  }
  if (active === void 0 || activeSecret === void 0) throw new SigningKeysError("no signing key");
  const keyMaterial = Buffer.from(activeSecret, "base64url");
  const algorithms = [...new Set(privateJwks.map((jwk) => jwk.alg))];
  return Object.freeze({
    active,
    algorithms,
    publicJwks: Object.freeze({ keys: Object.freeze(publicJwks) }),
    verificationKey: (kid) => verification.get(kid),
    ephemeral,
    deriveSecret: (label) => Buffer.from(hkdfSync("sha256", keyMaterial, "gatehouse", label, 32))
  });
}
function toPublicJwk(jwk) {
  const publicJwk = {};
  for (const member of PUBLIC_KEY_MEMBERS[jwk.kty]) {
    const value = jwk[member];
    if (value !== void 0) publicJwk[member] = value;
  }
  return publicJwk;
}

// ../../packages/contracts/src/procedures/admin.ts
import { z as z10 } from "zod";

// ../../packages/contracts/src/define-procedure.ts
var CONTRACT_BRAND = /* @__PURE__ */ Symbol.for("gatehouse.procedure-contract");
function defineProcedure(kind) {
  return function define(definition) {
    return Object.freeze({ ...definition, kind, [CONTRACT_BRAND]: true });
  };
}
var defineQuery = defineProcedure("query");
var defineMutation = defineProcedure("mutation");
function isProcedureContract(value) {
  return typeof value === "object" && value !== null && CONTRACT_BRAND in value;
}
function listProcedures(tree, prefix = "") {
  return Object.entries(tree).flatMap(([segment, node]) => {
    const path = prefix === "" ? segment : `${prefix}.${segment}`;
    return isProcedureContract(node) ? [{ path, contract: node }] : listProcedures(node, path);
  });
}

// ../../packages/contracts/src/schemas/audit.ts
import { z as z5 } from "zod";

// ../../packages/contracts/src/schemas/common.ts
import { z as z4 } from "zod";
var noInput = z4.strictObject({}).optional();
var idSchema = z4.uuid({ message: "Must be a UUID" });
var byIdInput = z4.strictObject({ id: idSchema });
var pageInput = z4.strictObject({
  cursor: z4.string().min(1).max(200).optional(),
  limit: z4.number().int().min(1).max(100).optional()
}).optional();
function pageOf(item) {
  return z4.object({ items: z4.array(item), nextCursor: z4.string().nullable() });
}
var isoTimestamp = z4.iso.datetime({ offset: true });
var okOutput = z4.object({ ok: z4.literal(true) });

// ../../packages/contracts/src/schemas/audit.ts
var SECURITY_EVENT_TYPES = [
  "login.succeeded",
  "login.failed",
  "login.blocked",
  "token.refreshed",
  "token.reuse_detected",
  "token.revoked",
  "authz.denied",
  "ratelimit.exceeded",
  "apikey.created",
  "apikey.revoked",
  "user.role_changed",
  "abuse.credential_stuffing",
  "abuse.enumeration",
  // Not a caller's action: the server reporting that retention (or the development store's cap) removed records.
  "audit.trimmed"
];
var securityEventTypeSchema = z5.enum(SECURITY_EVENT_TYPES);
var principalKeySchema = z5.string().min(1).max(200).regex(/^(?:user|apikey|client|service):[\w.:@-]{1,190}$/, "A principal is kind:id, e.g. user:<uuid>");
var auditLogListInput = z5.strictObject({
  cursor: z5.string().min(1).max(200).optional(),
  limit: z5.number().int().min(1).max(100).optional(),
  type: securityEventTypeSchema.optional(),
  principal: principalKeySchema.optional()
}).optional();
var detailValue = z5.union([z5.string(), z5.number(), z5.boolean(), z5.null(), z5.array(z5.string())]);
var auditRecordSchema = z5.object({
  /** Position in the log, increasing by one per record; never reused. */
  sequence: z5.number().int().nonnegative(),
  time: isoTimestamp,
  type: securityEventTypeSchema,
  ip: z5.string(),
  principal: z5.string().nullable(),
  requestId: z5.string(),
  details: z5.record(z5.string(), detailValue),
  /**
   * How many identical events this record stands for (absent: one). Repeated
   * refusals (authz.denied, ratelimit.exceeded, login.blocked) of one
   * principal or IP, type and procedure are aggregated per window: the first
   * is recorded at once, the repeats in one record with their count.
   */
  count: z5.number().int().min(2).optional(),
  /** With `count`: when the last of the aggregated events happened (`time` is the first). */
  lastTime: isoTimestamp.optional(),
  /** HMAC-SHA-256 (hex) of the previous record; 64 zeros for the first record ever written. */
  previousHash: z5.string(),
  /** HMAC-SHA-256 (hex, keyed with the server's audit key) of this record's canonical form, previousHash included. */
  hash: z5.string()
});
var CHAIN_BREAK_REASONS = [
  "hash_mismatch",
  "previous_hash_mismatch",
  "sequence_gap",
  "head_mismatch",
  "start_missing",
  "low_water_mismatch"
];
var auditChainVerificationSchema = z5.object({
  intact: z5.boolean(),
  checked: z5.number().int().nonnegative(),
  checkedFrom: z5.number().int().nonnegative().nullable(),
  /** Records below this sequence were removed by retention (0: none ever were). */
  trimmedBefore: z5.number().int().nonnegative().optional(),
  firstBreak: z5.object({ sequence: z5.number().int().nonnegative(), reason: z5.enum(CHAIN_BREAK_REASONS) }).nullable()
});

// ../../packages/contracts/src/schemas/user.ts
import { z as z7 } from "zod";

// ../../packages/contracts/src/scopes.ts
import { z as z6 } from "zod";
var SCOPES = [
  "users:read",
  "users:write",
  "orders:read",
  "orders:write",
  "apikeys:manage",
  "admin"
];
var ROLES = ["user", "admin"];
var scopeSchema = z6.enum(SCOPES);
var roleSchema = z6.enum(ROLES);
var ROLE_SCOPES = {
  user: SCOPES.filter((scope) => scope !== "admin"),
  admin: SCOPES
};
var SCOPE_DESCRIPTIONS = {
  "users:read": "See your profile",
  "users:write": "Change your profile",
  "orders:read": "See your orders",
  "orders:write": "Place orders for you",
  "apikeys:manage": "Create and revoke API keys for your account",
  admin: "Administer every account (admins only)"
};
function isScope(value) {
  return SCOPES.includes(value);
}

// ../../packages/contracts/src/schemas/user.ts
var PASSWORD_MAX_BYTES = 72;
var PASSWORD_MIN_LENGTH = 15;
var emailSchema = z7.string().trim().max(254, "An email address has at most 254 characters").toLowerCase().pipe(z7.email({ message: "Must be an email address" }));
var PASSWORD_INPUT_MAX_LENGTH = 1024;
function normalizePassword(password) {
  return password.normalize("NFKC");
}
function passwordByteLength(password) {
  return utf8ByteLength(password);
}
var TOO_LONG = `A password has at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt would ignore the rest)`;
var newPasswordSchema = z7.string().max(PASSWORD_INPUT_MAX_LENGTH, TOO_LONG).transform(normalizePassword).refine((password) => codePointLength(password) >= PASSWORD_MIN_LENGTH, {
  message: `A password has at least ${PASSWORD_MIN_LENGTH} characters; a few unrelated words make a long one easy to remember`
}).refine((password) => utf8ByteLength(password) <= PASSWORD_MAX_BYTES, { message: TOO_LONG }).refine((password) => !isOneRepeatedCharacter(password), { message: "A password cannot be one character repeated" });
var loginPasswordSchema = z7.string().min(1, "Enter the password").max(PASSWORD_INPUT_MAX_LENGTH, TOO_LONG).transform(normalizePassword).refine((password) => utf8ByteLength(password) <= PASSWORD_MAX_BYTES, { message: TOO_LONG });
function passwordEqualsEmail(password, email) {
  const folded = password.toLowerCase();
  const normalizedEmail = email.toLowerCase();
  return folded === normalizedEmail || folded === normalizedEmail.slice(0, normalizedEmail.lastIndexOf("@"));
}
function codePointLength(text) {
  let length = 0;
  for (const _character of text) length += 1;
  return length;
}
function isOneRepeatedCharacter(text) {
  const first = text.codePointAt(0);
  for (const character of text) if (character.codePointAt(0) !== first) return false;
  return true;
}
function utf8ByteLength(text) {
  let bytes = 0;
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    bytes += codePoint < 128 ? 1 : codePoint < 2048 ? 2 : codePoint < 65536 ? 3 : 4;
  }
  return bytes;
}
var displayNameSchema = z7.string().trim().min(1, "A name cannot be empty").max(100, "A name has at most 100 characters");
var publicUserSchema = z7.object({
  id: idSchema,
  email: z7.string(),
  name: z7.string(),
  role: roleSchema,
  createdAt: isoTimestamp
});

// ../../packages/contracts/src/schemas/api-key.ts
import { z as z8 } from "zod";
var API_KEY_MAX_EXPIRY_DAYS = 3650;
var createApiKeyInput = z8.strictObject({
  name: z8.string().trim().min(1, "A key name cannot be empty").max(100, "A key name has at most 100 characters"),
  scopes: z8.array(scopeSchema).min(1, "A key needs at least one scope").transform((scopes) => [...new Set(scopes)]),
  expiresInDays: z8.number().int().min(1).max(API_KEY_MAX_EXPIRY_DAYS).optional()
});
var createdApiKeySchema = z8.object({
  id: idSchema,
  key: z8.string(),
  prefix: z8.string(),
  scopes: z8.array(scopeSchema),
  /** ISO 8601, or null for a key that does not expire. */
  expiresAt: isoTimestamp.nullable()
});
var apiKeySchema = z8.object({
  id: idSchema,
  name: z8.string(),
  prefix: z8.string(),
  scopes: z8.array(scopeSchema),
  createdAt: isoTimestamp,
  /** Updated at most once a minute, so it is accurate to about a minute. */
  lastUsedAt: isoTimestamp.nullable(),
  expiresAt: isoTimestamp.nullable()
});
var revokedApiKeySchema = z8.object({
  id: idSchema,
  revokedAt: isoTimestamp
});
var adminApiKeyListInput = z8.strictObject({
  userId: idSchema,
  cursor: z8.string().min(1).max(200).optional(),
  limit: z8.number().int().min(1).max(100).optional()
});
var adminRevokeApiKeyInput = z8.strictObject({ userId: idSchema, id: idSchema });
var revokeUserAccessOutput = z8.object({
  /** How many refresh families (logged-in sessions) were live and are now revoked. */
  revokedFamilies: z8.number().int().nonnegative(),
  /** How many of the user's API keys were not revoked yet and now are. */
  revokedApiKeys: z8.number().int().nonnegative()
});

// ../../packages/contracts/src/procedures/admin-api-keys.ts
var adminApiKeysContracts = {
  list: defineQuery({
    summary: "A user\u2019s live and expired API keys, newest first (revoked keys are gone)",
    input: adminApiKeyListInput,
    output: pageOf(apiKeySchema),
    auth: { scopes: ["admin"], role: "admin" }
  }),
  revoke: defineMutation({
    summary: "Revokes one of a user\u2019s API keys and every key minted through it; audited as apikey.revoked",
    input: adminRevokeApiKeyInput,
    output: revokedApiKeySchema,
    auth: { scopes: ["admin"], role: "admin" }
  })
};

// ../../packages/contracts/src/procedures/admin-sessions.ts
import { z as z9 } from "zod";
var adminSessionsContracts = {
  revokeAll: defineMutation({
    summary: "Revokes every refresh-token family, every live access token and every API key of a user",
    input: z9.strictObject({ userId: idSchema }),
    output: revokeUserAccessOutput,
    auth: { scopes: ["admin"], role: "admin" }
  })
};

// ../../packages/contracts/src/procedures/admin.ts
var adminContracts = {
  users: {
    list: defineQuery({
      summary: "Every user account, oldest first",
      input: pageInput,
      output: pageOf(publicUserSchema),
      auth: { scopes: ["admin"], role: "admin" }
    }),
    setRole: defineMutation({
      summary: "Changes a user\u2019s role",
      input: z10.strictObject({ userId: idSchema, role: roleSchema }),
      output: publicUserSchema,
      auth: { scopes: ["admin"], role: "admin" }
    })
  },
  auditLog: {
    list: defineQuery({
      summary: "Security events, newest first, optionally of one type or one principal",
      input: auditLogListInput,
      output: pageOf(auditRecordSchema),
      auth: { scopes: ["admin"], role: "admin" }
    }),
    verify: defineQuery({
      summary: "Recomputes the audit log\u2019s hash chain and reports the first record that does not hold",
      input: noInput,
      output: auditChainVerificationSchema,
      auth: { scopes: ["admin"], role: "admin" }
    })
  },
  sessions: adminSessionsContracts,
  apiKeys: adminApiKeysContracts
};

// ../../packages/contracts/src/procedures/api-keys.ts
var apiKeysContracts = {
  create: defineMutation({
    summary: "Creates an API key for the caller with a subset of the caller\u2019s scopes; the key is shown this once",
    input: createApiKeyInput,
    output: createdApiKeySchema,
    auth: { scopes: ["apikeys:manage"], subject: "user" }
  }),
  list: defineQuery({
    summary: "The caller\u2019s live and expired API keys, newest first (revoked keys are gone)",
    input: pageInput,
    output: pageOf(apiKeySchema),
    auth: { scopes: ["apikeys:manage"], subject: "user" }
  }),
  revoke: defineMutation({
    summary: "Revokes one of the caller\u2019s API keys; it stops working at once on every server",
    input: byIdInput,
    output: revokedApiKeySchema,
    auth: { scopes: ["apikeys:manage"], subject: "user" },
    // Another user's key answers NOT_FOUND like a missing one: probing key ids is enumeration.
    idLookup: true
  })
};

// ../../packages/contracts/src/schemas/auth.ts
import { z as z11 } from "zod";
var REFRESH_TOKEN_DELIVERIES = ["body", "cookie"];
var registerInput = z11.strictObject({
  email: emailSchema,
  password: newPasswordSchema,
  name: displayNameSchema
}).refine((input) => !passwordEqualsEmail(input.password, input.email), {
  path: ["password"],
  message: "A password cannot be the account\u2019s email address"
});
var loginInput = z11.strictObject({
  email: emailSchema,
  password: loginPasswordSchema,
  refreshTokenDelivery: z11.enum(REFRESH_TOKEN_DELIVERIES).optional()
});
var tokenGrantSchema = z11.object({
  accessToken: z11.string(),
  tokenType: z11.literal("Bearer"),
  expiresIn: z11.number().int().positive(),
  scope: z11.string(),
  refreshToken: z11.string().optional(),
  user: publicUserSchema
});
var refreshInput = z11.strictObject({
  refreshToken: z11.string().min(1).max(512).optional()
}).optional();
var logoutInput = z11.strictObject({
  refreshToken: z11.string().min(1).max(512).optional()
}).optional();
var CSRF_HEADER = "x-gatehouse-csrf";
var revokeAllOutput = z11.object({
  /** How many refresh families (logged-in sessions) were live and are now revoked. */
  revokedFamilies: z11.number().int().nonnegative()
});

// ../../packages/contracts/src/procedures/auth.ts
var authContracts = {
  register: defineMutation({
    summary: "Creates a user account with the user role",
    input: registerInput,
    output: publicUserSchema,
    auth: "public",
    rateLimit: { name: "auth.register", points: 10, durationSeconds: 3600, key: "ip" }
  }),
  login: defineMutation({
    summary: "Exchanges email and password for an access token",
    input: loginInput,
    output: tokenGrantSchema,
    auth: "public"
  }),
  refresh: defineMutation({
    summary: "Exchanges a refresh token (body, or the HttpOnly cookie plus the X-Gatehouse-CSRF header) for a new access token and a new refresh token; the old one is spent, and a spent one presented again revokes its whole family",
    input: refreshInput,
    output: tokenGrantSchema,
    auth: "public"
  }),
  logout: defineMutation({
    summary: "Ends the caller\u2019s session: revokes its refresh-token family and the presented access token, and clears the refresh cookie. The session is proven by a valid access token, or by its refresh token (body, or the HttpOnly cookie plus the X-Gatehouse-CSRF header) when the access token has expired",
    input: logoutInput,
    output: okOutput,
    // Public so that an expired access token does not stop a logout that proves the session by its refresh token;
    // the handler still refuses a call that proves no session (401) and principals with no user (403 forbidden_role).
    auth: "public"
  })
};

// ../../packages/contracts/src/procedures/health.ts
import { z as z12 } from "zod";
var healthContracts = {
  health: defineQuery({
    summary: "Liveness: answers while the server can serve requests",
    input: noInput,
    output: z12.object({ status: z12.literal("ok"), time: z12.string() }),
    auth: "public",
    rateLimit: "none"
  })
};

// ../../packages/contracts/src/schemas/order.ts
import { z as z13 } from "zod";
var PAYMENT_METHODS = ["credit_card", "paypal", "apple_pay"];
var orderItemSchema = z13.strictObject({
  productId: z13.number().int().min(1),
  quantity: z13.number().int().min(1).max(1e3)
});
var ADDRESS_LINE = /^[a-zA-Z0-9\s,\-.#]{5,200}$/;
var shippingAddressSchema = z13.strictObject({
  line1: z13.string().regex(ADDRESS_LINE, "An address line has 5 to 200 letters, digits, spaces or , - . #"),
  city: z13.string().trim().min(1).max(100).regex(/^[\p{L}\p{M}\s'.-]+$/u, "A city name has letters, spaces, apostrophes, dots or hyphens"),
  postalCode: z13.string().regex(/^[A-Za-z0-9 -]{2,12}$/, "A postal code has 2 to 12 letters, digits, spaces or hyphens"),
  country: z13.string().regex(/^[A-Z]{2}$/, "A country is an ISO 3166-1 alpha-2 code, such as DE")
});
var createOrderInput = z13.strictObject({
  items: z13.array(orderItemSchema).min(1, "An order has at least one item").max(100, "An order has at most 100 items"),
  shippingAddress: shippingAddressSchema,
  paymentMethod: z13.enum(PAYMENT_METHODS)
});
var ORDER_STATUSES = ["pending", "paid", "shipped", "cancelled"];
var orderSchema = z13.object({
  id: idSchema,
  ownerId: idSchema,
  items: z13.array(z13.object({ productId: z13.number(), quantity: z13.number() })),
  shippingAddress: z13.object({ line1: z13.string(), city: z13.string(), postalCode: z13.string(), country: z13.string() }),
  paymentMethod: z13.enum(PAYMENT_METHODS),
  status: z13.enum(ORDER_STATUSES),
  createdAt: isoTimestamp
});

// ../../packages/contracts/src/procedures/orders.ts
var ordersContracts = {
  create: defineMutation({
    summary: "Places an order owned by the caller",
    input: createOrderInput,
    output: orderSchema,
    auth: { scopes: ["orders:write"], subject: "user" }
  }),
  list: defineQuery({
    summary: "The caller\u2019s orders, newest first (every order for system principals)",
    input: pageInput,
    output: pageOf(orderSchema),
    auth: { scopes: ["orders:read"] }
  }),
  byId: defineQuery({
    summary: "One order: the caller\u2019s own, or any for admins and system principals",
    input: byIdInput,
    output: orderSchema,
    auth: { scopes: ["orders:read"] },
    idLookup: true
  })
};

// ../../packages/contracts/src/procedures/users.ts
import { z as z14 } from "zod";
var usersContracts = {
  me: defineQuery({
    summary: "The caller\u2019s own account",
    input: noInput,
    output: publicUserSchema,
    auth: { scopes: ["users:read"], subject: "user" }
  }),
  byId: defineQuery({
    summary: "One user: the caller\u2019s own record, or any record for admins",
    input: byIdInput,
    output: publicUserSchema,
    auth: { scopes: ["users:read"] },
    idLookup: true
  }),
  update: defineMutation({
    summary: "Changes the caller\u2019s own display name (nothing else is updatable)",
    input: z14.strictObject({ name: displayNameSchema }),
    output: publicUserSchema,
    auth: { scopes: ["users:write"], subject: "user" }
  })
};

// ../../packages/contracts/src/contracts.ts
var contracts = {
  ...healthContracts,
  auth: authContracts,
  users: usersContracts,
  orders: ordersContracts,
  admin: adminContracts,
  apiKeys: apiKeysContracts
};

// ../../packages/contracts/src/auth-requirement.ts
function isPublic(requirement) {
  return requirement === "public";
}

// ../../packages/contracts/src/manifest/authorization-manifest.ts
var AUTHORIZATION_MANIFEST_VERSION = 1;
var byCodePoint = (a, b) => a < b ? -1 : a > b ? 1 : 0;
function buildAuthorizationManifest(tree) {
  const procedures = listProcedures(tree).map(({ path, contract }) => describeProcedure(path, contract)).sort((a, b) => byCodePoint(a.path, b.path));
  const scopes = [...SCOPES].sort(byCodePoint).map(
    (scope) => ({
      name: scope,
      description: SCOPE_DESCRIPTIONS[scope],
      grantedToRoles: ROLES.filter((role) => ROLE_SCOPES[role].includes(scope)),
      requiredBy: procedures.filter(({ auth }) => !auth.public && auth.scopes.includes(scope)).map(({ path }) => path)
    })
  );
  const roles = ROLES.map((role) => ({ name: role, scopes: [...ROLE_SCOPES[role]].sort(byCodePoint) }));
  return { manifestVersion: AUTHORIZATION_MANIFEST_VERSION, scopes, roles, procedures };
}
function describeProcedure(path, contract) {
  return {
    path,
    kind: contract.kind,
    summary: contract.summary,
    auth: describeAuth(contract),
    rateLimit: describeRateLimit(contract),
    idLookup: contract.idLookup === true
  };
}
function describeAuth({ auth }) {
  if (isPublic(auth)) return { public: true };
  return {
    public: false,
    scopes: [...auth.scopes].sort(byCodePoint),
    role: auth.role ?? null,
    subject: auth.subject ?? "any"
  };
}
function describeRateLimit(contract) {
  const declared = contract.rateLimit;
  if (declared === "none") return { type: "none" };
  if (declared === void 0) {
    return isPublic(contract.auth) ? { type: "default", policy: "public", key: "ip" } : { type: "default", policy: "authenticated", key: "principal" };
  }
  return {
    type: "declared",
    policy: declared.name,
    points: declared.points,
    durationSeconds: declared.durationSeconds,
    key: declared.key,
    blockDurationSeconds: declared.blockDurationSeconds ?? 0,
    cost: declared.cost ?? 1
  };
}
function scopesSupported(manifest) {
  return manifest.scopes.map(({ name }) => name);
}

// src/routers/admin.ts
import { TRPCError as TRPCError5 } from "@trpc/server";

// src/context.ts
function createResponseHeaders() {
  return new MapResponseHeaders();
}
var MapResponseHeaders = class {
  #headers = /* @__PURE__ */ new Map();
  set(name, value) {
    this.#headers.set(name.toLowerCase(), value);
  }
  append(name, value) {
    const key = name.toLowerCase();
    const current = this.#headers.get(key);
    if (current === void 0) this.#headers.set(key, [value]);
    else this.#headers.set(key, Array.isArray(current) ? [...current, value] : [current, value]);
  }
  entries() {
    return this.#headers.entries();
  }
};
function eventOrigin(ctx, principal) {
  return { ip: ctx.ip, requestId: ctx.requestId, principal };
}

// src/routers/paging.ts
import { TRPCError } from "@trpc/server";

// src/stores/page.ts
var DEFAULT_PAGE_SIZE = 20;
function encodeCursor(position) {
  return Buffer.from(position, "utf8").toString("base64url");
}
var InvalidCursorError = class extends Error {
  constructor() {
    super("The cursor is not one this server issued");
    this.name = "InvalidCursorError";
  }
};
function decodeCursor(cursor, isValid) {
  const position = Buffer.from(cursor, "base64url").toString("utf8");
  if (!isValid(position)) throw new InvalidCursorError();
  return position;
}
function encodeSequenceCursor(sequence) {
  return encodeCursor(`s:${sequence}`);
}
function decodeSequenceCursor(cursor) {
  return Number(decodeCursor(cursor, (position) => /^s:\d{1,15}$/.test(position)).slice(2));
}

// src/routers/paging.ts
async function fetchPage(input, list) {
  try {
    return await list({ cursor: input?.cursor, limit: input?.limit ?? DEFAULT_PAGE_SIZE });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new TRPCError({ code: "BAD_REQUEST", message: error.message, cause: error });
    throw error;
  }
}

// src/routers/audit-log.ts
var auditLogHandlers = {
  async list({ input, ctx }) {
    const filter = { type: input?.type, principal: input?.principal };
    const page2 = await fetchPage(input, (request) => ctx.deps.auditLog.list(filter, request));
    return { items: [...page2.items], nextCursor: page2.nextCursor };
  },
  async verify({ ctx }) {
    return ctx.deps.auditLog.verify();
  }
};

// src/routers/user-view.ts
function toPublicUser(user) {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt.toISOString() };
}

// src/routers/admin-api-keys.ts
import { TRPCError as TRPCError2 } from "@trpc/server";

// src/auth/principal.ts
function principalKey(principal) {
  if (principal.credential.type === "api_key") return `apikey:${principal.credential.keyId}`;
  return principal.kind === "user" ? `user:${principal.userId}` : `${principal.kind}:${principal.id}`;
}

// src/routers/api-key-view.ts
function toApiKey(record) {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: [...record.scopes],
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    expiresAt: record.expiresAt?.toISOString() ?? null
  };
}

// src/routers/admin-api-keys.ts
var adminApiKeysHandlers = {
  async list({ input, ctx }) {
    const page2 = await fetchPage(input, (request) => ctx.deps.apiKeys.list(input.userId, request));
    return { items: page2.items.map(toApiKey), nextCursor: page2.nextCursor };
  },
  async revoke({ input, ctx }) {
    const record = await ctx.deps.apiKeys.revoke(input.userId, input.id);
    if (record?.revokedAt === void 0) throw new TRPCError2({ code: "NOT_FOUND", message: "Not found" });
    ctx.deps.events.emit("apikey.revoked", eventOrigin(ctx, principalKey(ctx.principal)), {
      keyId: record.id,
      ownerId: record.ownerId,
      by: "admin"
    });
    return { id: record.id, revokedAt: record.revokedAt.toISOString() };
  }
};

// src/routers/admin-sessions.ts
import { TRPCError as TRPCError4 } from "@trpc/server";

// src/errors/service-unavailable.ts
import { TRPCError as TRPCError3 } from "@trpc/server";

// src/stores/store-unavailable-error.ts
var StoreUnavailableError = class extends Error {
  constructor(what, options) {
    super(`The ${what} store is unavailable`, options);
    this.name = "StoreUnavailableError";
  }
};

// src/errors/service-unavailable.ts
function serviceUnavailable(cause) {
  return new TRPCError3({ code: "SERVICE_UNAVAILABLE", message: "Temporarily unavailable, try again shortly", cause });
}
function rethrowUnavailable(error) {
  if (error instanceof StoreUnavailableError) throw serviceUnavailable(error);
  throw error;
}

// src/routers/admin-sessions.ts
async function endUserSessions(ctx, userId, reason) {
  const revokedFamilies = await ctx.deps.revocation.revokeUser(userId).catch(rethrowUnavailable);
  ctx.deps.events.emit("token.revoked", eventOrigin(ctx, principalKey(ctx.principal)), {
    reason,
    userId,
    revokedFamilies
  });
  return revokedFamilies;
}
var adminSessionsHandlers = {
  /** Everything that lets the user in: sessions, access tokens and API keys (a stolen laptop holds all three). */
  async revokeAll({ input, ctx }) {
    const user = await ctx.deps.users.findById(input.userId);
    if (user === void 0) throw new TRPCError4({ code: "NOT_FOUND", message: "Not found" });
    const revokedFamilies = await endUserSessions(ctx, user.id, "admin.sessions.revokeAll");
    const revokedApiKeys = await ctx.deps.apiKeys.revokeAllOfOwner(user.id);
    ctx.deps.events.emit("apikey.revoked", eventOrigin(ctx, principalKey(ctx.principal)), {
      ownerId: user.id,
      revokedApiKeys,
      reason: "admin.sessions.revokeAll"
    });
    return { revokedFamilies, revokedApiKeys };
  }
};

// src/routers/admin.ts
var adminHandlers = {
  users: {
    async list({ input, ctx }) {
      const page2 = await fetchPage(input, (request) => ctx.deps.users.list(request));
      return { items: page2.items.map(toPublicUser), nextCursor: page2.nextCursor };
    },
    async setRole({ input, ctx }) {
      const before = await ctx.deps.users.findById(input.userId);
      const after = before === void 0 ? void 0 : await ctx.deps.users.setRole(input.userId, input.role);
      if (before === void 0 || after === void 0) throw new TRPCError5({ code: "NOT_FOUND", message: "Not found" });
      if (before.role !== after.role) {
        ctx.deps.events.emit("user.role_changed", eventOrigin(ctx, `user:${ctx.principal.userId}`), {
          userId: after.id,
          from: before.role,
          to: after.role
        });
        await endUserSessions(ctx, after.id, "user.role_changed");
      }
      return toPublicUser(after);
    }
  },
  auditLog: auditLogHandlers,
  sessions: adminSessionsHandlers,
  apiKeys: adminApiKeysHandlers
};

// src/routers/api-keys.ts
import { TRPCError as TRPCError7 } from "@trpc/server";

// src/auth/auth-failure.ts
import { TRPCError as TRPCError6 } from "@trpc/server";
var UNAUTHORIZED_REASONS = /* @__PURE__ */ new Set([
  "missing_credentials",
  "invalid_credentials",
  "invalid_token",
  "expired_token",
  "revoked_token"
]);
var MESSAGES = {
  missing_credentials: "Authentication required",
  invalid_credentials: "Invalid email or password",
  invalid_token: "The access token is invalid",
  expired_token: "The access token has expired",
  revoked_token: "The credential has been revoked",
  insufficient_scope: "The credential lacks a required scope",
  forbidden_role: "This principal may not call this procedure"
};
var AuthFailure = class extends Error {
  data;
  constructor(reason, scopes) {
    super(MESSAGES[reason]);
    this.name = "AuthFailure";
    this.data = scopes === void 0 ? { reason } : { reason, requiredScopes: [...scopes.required], missingScopes: [...scopes.missing] };
  }
  get status() {
    return UNAUTHORIZED_REASONS.has(this.data.reason) ? "UNAUTHORIZED" : "FORBIDDEN";
  }
  toTRPCError() {
    return new TRPCError6({ code: this.status, message: this.message, cause: this });
  }
};
function failAuth(reason, scopes) {
  throw new AuthFailure(reason, scopes).toTRPCError();
}

// src/auth/scopes.ts
function missingScopes(required, held) {
  return required.filter((scope) => !held.includes(scope));
}
function grantableScopes(input) {
  return input.subjectHolds.filter(
    (scope) => (input.requested === void 0 || input.requested.includes(scope)) && (input.clientAllows === void 0 || input.clientAllows.includes(scope))
  );
}
function scopesOfRole(role) {
  return ROLE_SCOPES[role];
}

// src/routers/api-keys.ts
var apiKeysHandlers = {
  async create({ input, ctx }) {
    const { principal } = ctx;
    const missing = missingScopes(input.scopes, principal.scopes);
    if (missing.length > 0) {
      ctx.deps.events.emit("authz.denied", eventOrigin(ctx, principalKey(principal)), {
        path: "apiKeys.create",
        reason: "insufficient_scope",
        missingScopes: missing
      });
      failAuth("insufficient_scope", { required: input.scopes, missing });
    }
    const parentId = principal.credential.type === "api_key" ? principal.credential.keyId : void 0;
    const { record, key } = await ctx.deps.apiKeys.issue({ ownerId: principal.userId, name: input.name, scopes: input.scopes, expiresInDays: input.expiresInDays, parentId }).catch((error) => {
      if (error instanceof AuthFailure) throw error.toTRPCError();
      throw error;
    });
    ctx.deps.events.emit("apikey.created", eventOrigin(ctx, principalKey(principal)), {
      keyId: record.id,
      ownerId: record.ownerId,
      scopes: [...record.scopes],
      expiresAt: record.expiresAt?.toISOString() ?? null,
      parentKeyId: record.parentId ?? null
    });
    return {
      id: record.id,
      key,
      prefix: record.prefix,
      scopes: [...record.scopes],
      expiresAt: record.expiresAt?.toISOString() ?? null
    };
  },
  async list({ input, ctx }) {
    const page2 = await fetchPage(input, (request) => ctx.deps.apiKeys.list(ctx.principal.userId, request));
    return { items: page2.items.map(toApiKey), nextCursor: page2.nextCursor };
  },
  async revoke({ input, ctx }) {
    const { principal } = ctx;
    const record = await ctx.deps.apiKeys.revoke(principal.userId, input.id);
    if (record?.revokedAt === void 0) throw new TRPCError7({ code: "NOT_FOUND", message: "Not found" });
    ctx.deps.events.emit("apikey.revoked", eventOrigin(ctx, principalKey(principal)), {
      keyId: record.id,
      ownerId: record.ownerId
    });
    return { id: record.id, revokedAt: record.revokedAt.toISOString() };
  }
};

// src/routers/auth.ts
import { TRPCError as TRPCError13 } from "@trpc/server";

// src/errors/rate-limit-exceeded.ts
import { TRPCError as TRPCError8 } from "@trpc/server";
var RateLimitExceeded = class extends Error {
  constructor(data) {
    super("Too many requests");
    this.data = data;
    this.name = "RateLimitExceeded";
  }
  data;
  toTRPCError() {
    return new TRPCError8({ code: "TOO_MANY_REQUESTS", message: this.message, cause: this });
  }
};

// src/ratelimit/rate-limit-headers.ts
var quotedPolicyNames = /* @__PURE__ */ new Map();
function sfString(value) {
  let quoted2 = quotedPolicyNames.get(value);
  if (quoted2 === void 0) {
    quoted2 = `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;
    if (quotedPolicyNames.size < 1e3) quotedPolicyNames.set(value, quoted2);
  }
  return quoted2;
}
function rateLimitHeaders(snapshot, nowMs = Date.now()) {
  const secondsToReset = Math.max(Math.ceil((snapshot.resetAtMs - nowMs) / 1e3), 0);
  const name = sfString(snapshot.policy);
  const headers = {
    "x-ratelimit-limit": String(snapshot.limit),
    "x-ratelimit-remaining": String(snapshot.remaining),
    "x-ratelimit-reset": String(Math.ceil(snapshot.resetAtMs / 1e3)),
    "ratelimit-policy": `${name};q=${snapshot.limit};w=${snapshot.windowSeconds}`,
    ratelimit: `${name};r=${snapshot.remaining};t=${secondsToReset}`
  };
  if (snapshot.refused) headers["retry-after"] = String(Math.max(secondsToReset, 1));
  return headers;
}
function writeRateLimitHeaders(target, snapshot) {
  const headers = rateLimitHeaders(snapshot);
  for (const name in headers) target.set(name, headers[name]);
}

// src/ratelimit/rate-limit-snapshot.ts
import { RateLimiterRes } from "rate-limiter-flexible";
function snapshotOf(spec, res, refused, nowMs = Date.now()) {
  const msBeforeNext = Math.max(res.msBeforeNext, 0);
  return {
    policy: spec.name,
    limit: spec.points,
    remaining: refused ? 0 : Math.max(spec.points - res.consumedPoints, 0),
    windowSeconds: spec.durationSeconds,
    resetAtMs: nowMs + msBeforeNext,
    refused
  };
}
function isTighter(candidate, current) {
  if (current === void 0) return true;
  if (candidate.refused !== current.refused) return candidate.refused;
  if (candidate.remaining !== current.remaining) return candidate.remaining < current.remaining;
  return candidate.resetAtMs > current.resetAtMs;
}
function rateLimitErrorData(snapshot, nowMs = Date.now()) {
  return {
    limit: snapshot.limit,
    remaining: snapshot.remaining,
    resetAt: new Date(snapshot.resetAtMs).toISOString(),
    retryAfterMs: Math.max(Math.ceil(snapshot.resetAtMs - nowMs), 0),
    policy: snapshot.policy
  };
}
function isLimitHit(rejection) {
  return rejection instanceof RateLimiterRes;
}

// src/ratelimit/refuse-rate-limited.ts
function refuseRateLimited(ctx, snapshot) {
  if (ctx.rateLimit.consider(snapshot)) writeRateLimitHeaders(ctx.responseHeaders, snapshot);
  throw new RateLimitExceeded(rateLimitErrorData(snapshot)).toTRPCError();
}

// src/abuse/enforce-login-policy.ts
async function enforceLoginPolicy(ctx) {
  const refusal = await ctx.deps.abuse.stuffing.admitLogin(ctx.ip);
  if (refusal === void 0) return;
  ctx.deps.events.emit("login.blocked", eventOrigin(ctx), { reason: "credential_stuffing", policy: refusal.policy });
  refuseRateLimited(ctx, refusal);
}

// src/auth/password-login.ts
async function checkPassword(deps, credentials, origin) {
  const user = await deps.users.findByEmail(credentials.email);
  const password = normalizePassword(credentials.password);
  const withinLimit = passwordByteLength(password) <= PASSWORD_MAX_BYTES;
  const valid = await deps.passwords.verify(withinLimit ? password : "", withinLimit ? user?.passwordHash : void 0);
  if (user === void 0 || !valid) {
    deps.events.emit("login.failed", origin, { email: credentials.email });
    return void 0;
  }
  deps.events.emit("login.succeeded", { ...origin, principal: `user:${user.id}` }, { email: user.email });
  return user;
}

// src/auth/password-policy.ts
import { TRPCError as TRPCError9 } from "@trpc/server";
import { dictionary } from "@zxcvbn-ts/language-common";
import { z as z15 } from "zod";
var COMMON_PASSWORDS = new Set(dictionary["passwords-common"]);
var COMMON_PASSWORD_MESSAGE = "This password is on a list of commonly used passwords; choose another (a few unrelated words work well)";
function isCommonPassword(password) {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}
function assertUncommonPassword(password) {
  const checked = uncommonPassword.safeParse({ password });
  if (!checked.success) throw new TRPCError9({ code: "BAD_REQUEST", cause: checked.error });
}
var uncommonPassword = z15.object({ password: z15.string().refine((password) => !isCommonPassword(password), COMMON_PASSWORD_MESSAGE) });

// src/ratelimit/client-key.ts
import { isIPv4, isIPv6 } from "node:net";
function clientKey(ip) {
  if (isIPv4(ip)) return ip;
  const mapped = IPV4_MAPPED.exec(ip)?.[1];
  if (mapped !== void 0 && isIPv4(mapped)) return mapped;
  const address = ip.split("%")[0] ?? ip;
  if (!isIPv6(address)) return `other:${ip}`;
  return `${expandIPv6(address).slice(0, 4).join(":")}::/64`;
}
var IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
function expandIPv6(address) {
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== void 0) {
    const [a, b, c, d] = v4[1].split(".").map(Number);
    text = `${text.slice(0, -v4[1].length)}${(a << 8 | b).toString(16)}:${(c << 8 | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === void 0 || tail === "" ? [] : tail.split(":");
  const zeros = tail === void 0 ? [] : Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => "0");
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16).toString(16));
}

// src/ratelimit/limiter-factory.ts
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
function createLimiter(spec, backend, keySpace = "rl") {
  validateSpec(spec);
  const options = {
    points: spec.points,
    duration: spec.durationSeconds,
    blockDuration: spec.blockDurationSeconds
  };
  const keyPrefix = `${keySpace}:${spec.name}`;
  if (backend.kind === "memory") return new RateLimiterMemory({ ...options, keyPrefix });
  return new RateLimiterRedis({
    ...options,
    storeClient: backend.redis,
    keyPrefix: `${backend.keyPrefix}${keyPrefix}`,
    // Go to the insurance limiter at once while disconnected instead of waiting for a timeout.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new InsuranceLimiter({ ...options, keyPrefix }, () => backend.onFallback(spec.name))
  });
}
var InsuranceLimiter = class extends RateLimiterMemory {
  constructor(options, report) {
    super(options);
    this.report = report;
  }
  report;
  consume(key, points, options) {
    this.report();
    return super.consume(key, points, options);
  }
  reward(key, points, options) {
    this.report();
    return super.reward(key, points, options);
  }
  delete(key, options) {
    this.report();
    return super.delete(key, options);
  }
  get(key, options) {
    this.report();
    return super.get(key, options);
  }
};
function createFallbackReporter(logger, intervalMs = 1e4, now = Date.now) {
  let windowStart = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (limiter) => {
    const time = now();
    if (time - windowStart < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.warn(
      { limiter, fallbacksSinceLastReport: suppressed },
      "redis rate limiter unavailable: counting in this process (insurance limiter) until it recovers"
    );
    windowStart = time;
    suppressed = 0;
  };
}
function validateSpec(spec) {
  const positiveInteger = (value) => Number.isInteger(value) && value > 0;
  if (!/^[\w.+:-]{1,64}$/.test(spec.name)) throw new RangeError(`rate limit name "${spec.name}" must be 1-64 of [A-Za-z0-9_.+:-]`);
  if (!positiveInteger(spec.points)) throw new RangeError(`rate limit ${spec.name}: points must be a positive integer`);
  if (!positiveInteger(spec.durationSeconds)) throw new RangeError(`rate limit ${spec.name}: durationSeconds must be a positive integer`);
  if (!Number.isInteger(spec.blockDurationSeconds) || spec.blockDurationSeconds < 0) {
    throw new RangeError(`rate limit ${spec.name}: blockDurationSeconds must be a non-negative integer`);
  }
}

// src/ratelimit/login-guard.ts
var LOGIN_POLICY_NAMES = {
  emailAndIp: "auth.login:email+ip",
  email: "auth.login:email",
  ip: "auth.login:ip"
};
function createLoginGuard(limits, backend) {
  const layer = (name, budget2, keyOf2, onSuccess) => {
    const spec = { name, ...budget2 };
    return { spec, limiter: createLimiter(spec, backend), keyOf: keyOf2, onSuccess };
  };
  const layers = [
    layer(LOGIN_POLICY_NAMES.emailAndIp, limits.emailAndIp, (email, ip) => `${ip}|${email}`, "reset"),
    layer(LOGIN_POLICY_NAMES.email, limits.email, (email) => email, "refund"),
    layer(LOGIN_POLICY_NAMES.ip, limits.ip, (_email, ip) => ip, "refund")
  ];
  return {
    async admit(rawEmail, ip) {
      const email = rawEmail.trim().toLowerCase();
      const ipKey = clientKey(ip);
      const settled = await Promise.all(
        layers.map(async (entry) => {
          const key = entry.keyOf(email, ipKey);
          try {
            return { entry, key, res: await entry.limiter.consume(key, 1), refused: false };
          } catch (rejection) {
            if (!isLimitHit(rejection)) throw rejection;
            return { entry, key, res: rejection, refused: true };
          }
        })
      );
      let tightest;
      for (const { entry, res, refused } of settled) {
        const snapshot2 = snapshotOf(entry.spec, res, refused);
        if (isTighter(snapshot2, tightest)) tightest = snapshot2;
      }
      const snapshot = tightest;
      if (settled.some((result) => result.refused)) {
        await Promise.all(settled.filter((result) => !result.refused).map(({ entry, key }) => entry.limiter.reward(key, 1)));
        return { admitted: false, snapshot };
      }
      return {
        admitted: true,
        snapshot,
        async succeeded() {
          await Promise.all(
            settled.map(({ entry, key }) => entry.onSuccess === "reset" ? entry.limiter.delete(key) : entry.limiter.reward(key, 1))
          );
        }
      };
    }
  };
}
async function guardLogin(ctx, email) {
  const admission = await ctx.deps.rateLimits.login.admit(email, ctx.ip);
  if (!admission.admitted) {
    ctx.deps.events.emit("login.blocked", eventOrigin(ctx), { email, policy: admission.snapshot.policy });
    refuseRateLimited(ctx, admission.snapshot);
  }
  if (ctx.rateLimit.consider(admission.snapshot)) writeRateLimitHeaders(ctx.responseHeaders, admission.snapshot);
  return admission;
}

// src/stores/user-store.ts
var EmailTakenError = class extends Error {
  constructor() {
    super("An account with this email already exists");
    this.name = "EmailTakenError";
  }
};
var StoreFullError = class extends Error {
  constructor(what) {
    super(`The ${what} store is full`);
    this.name = "StoreFullError";
  }
};

// src/tokens/access-tokens.ts
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { v4 as uuidv4 } from "uuid";

// src/tokens/canonical-jws.ts
var BASE64URL_VALUES = (() => {
  const values = new Int8Array(128).fill(-1);
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].forEach((character, value) => {
    values[character.charCodeAt(0)] = value;
  });
  return values;
})();
function isCanonicalBase64url(segment) {
  if (segment.length === 0 || segment.length % 4 === 1) return false;
  let last = 0;
  for (let index = 0; index < segment.length; index += 1) {
    const value = BASE64URL_VALUES[segment.charCodeAt(index)] ?? -1;
    if (value === -1) return false;
    last = value;
  }
  const unusedBits = segment.length % 4 === 2 ? 15 : segment.length % 4 === 3 ? 3 : 0;
  return (last & unusedBits) === 0;
}
function isCanonicalCompactJws(token) {
  const segments = token.split(".");
  return segments.length === 3 && segments.every(isCanonicalBase64url);
}
var HALF_ORDER = {
  // P-256: n = FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
  ES256: halfOf("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"),
  // P-384: n = FF…FFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973
  ES384: halfOf("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973")
};
function hasLowS(alg, signature) {
  const half = HALF_ORDER[alg];
  if (half === void 0) return true;
  const bytes = Buffer.from(signature, "base64url");
  if (bytes.length !== half.length * 2) return false;
  return Buffer.compare(bytes.subarray(half.length), half) <= 0;
}
function toLowS(alg, token) {
  const half = HALF_ORDER[alg];
  const dot = token.lastIndexOf(".");
  if (half === void 0 || hasLowS(alg, token.slice(dot + 1))) return token;
  const bytes = Buffer.from(token.slice(dot + 1), "base64url");
  const size = half.length;
  const order = BigInt(`0x${half.toString("hex")}`) * 2n + 1n;
  const s = BigInt(`0x${bytes.subarray(size).toString("hex")}`);
  const lowS = Buffer.from((order - s).toString(16).padStart(size * 2, "0"), "hex");
  return `${token.slice(0, dot + 1)}${Buffer.concat([bytes.subarray(0, size), lowS]).toString("base64url")}`;
}
function halfOf(orderHex) {
  const half = BigInt(`0x${orderHex}`) / 2n;
  return Buffer.from(half.toString(16).padStart(orderHex.length, "0"), "hex");
}

// src/tokens/access-tokens.ts
var ACCESS_TOKEN_TYPE = "at+jwt";
var FIRST_PARTY_CLIENT_ID = "gatehouse";
var REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"];
var MAX_CLOCK_SKEW_SECONDS = 30;
var GRANT_CLAIM = "gty";
var SESSION_CLAIM = "sid";
function createAccessTokens(options) {
  const { keys, issuer, audience, ttlSeconds, cache } = options;
  const nowMs = options.now ?? Date.now;
  const algorithms = [...keys.algorithms];
  async function resolveKey(header, token) {
    const entry = typeof header.kid === "string" ? keys.verificationKey(header.kid) : void 0;
    if (entry === void 0 || entry.alg !== header.alg) throw new UnknownKeyError();
    if (!hasLowS(entry.alg, token.signature)) throw new NonCanonicalSignatureError();
    return entry.key;
  }
  return {
    async issue(request) {
      const issuedAt = Math.floor(nowMs() / 1e3);
      const familyEnd = request.notAfter === void 0 ? Infinity : Math.floor(request.notAfter.getTime() / 1e3);
      const expiresAt = Math.min(issuedAt + ttlSeconds, familyEnd);
      const jti = uuidv4();
      const scope = request.scopes.join(" ");
      const claims = { client_id: request.clientId, scope };
      if (request.grant === "client_credentials") claims[GRANT_CLAIM] = "client_credentials";
      if (request.sessionId !== void 0) claims[SESSION_CLAIM] = request.sessionId;
      const signed = await new SignJWT(claims).setProtectedHeader({ alg: keys.active.alg, kid: keys.active.kid, typ: ACCESS_TOKEN_TYPE }).setIssuer(issuer).setSubject(request.subject).setAudience(audience).setIssuedAt(issuedAt).setExpirationTime(expiresAt).setJti(jti).sign(keys.active.privateKey);
      const token = toLowS(keys.active.alg, signed);
      return { token, jti, expiresIn: expiresAt - issuedAt, expiresAt: new Date(expiresAt * 1e3), scope };
    },
    async verify(token) {
      if (!isCanonicalCompactJws(token)) throw new AuthFailure("invalid_token", void 0);
      const remembered = cache?.get(token);
      if (remembered !== void 0) return remembered;
      let payload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          algorithms,
          issuer,
          audience,
          typ: ACCESS_TOKEN_TYPE,
          requiredClaims: [...REQUIRED_CLAIMS],
          currentDate: new Date(nowMs())
        }));
      } catch (error) {
        throw new AuthFailure(error instanceof joseErrors.JWTExpired ? "expired_token" : "invalid_token", void 0);
      }
      const verified = toVerifiedToken(payload);
      assertBoundedTimes(verified, Math.floor(nowMs() / 1e3), ttlSeconds);
      cache?.set(token, verified);
      return verified;
    }
  };
}
var UnknownKeyError = class extends Error {
  constructor() {
    super("The token names a key this server does not have");
    this.name = "UnknownKeyError";
  }
};
var NonCanonicalSignatureError = class extends Error {
  constructor() {
    super("The token carries the high-S form of its ECDSA signature");
    this.name = "NonCanonicalSignatureError";
  }
};
function assertBoundedTimes(token, nowSeconds, ttlSeconds) {
  const { issuedAt, expiresAt } = token;
  if (!Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(expiresAt)) throw new AuthFailure("invalid_token", void 0);
  if (issuedAt > nowSeconds + MAX_CLOCK_SKEW_SECONDS) throw new AuthFailure("invalid_token", void 0);
  if (expiresAt <= issuedAt || expiresAt - issuedAt > ttlSeconds) throw new AuthFailure("invalid_token", void 0);
}
function toVerifiedToken(payload) {
  const { sub, jti, iat, exp } = payload;
  const clientId2 = payload["client_id"];
  const scope = payload["scope"];
  const sessionId = payload[SESSION_CLAIM];
  if (sessionId !== void 0 && typeof sessionId !== "string" || payload.nbf !== void 0 && !Number.isSafeInteger(payload.nbf) || typeof sub !== "string" || typeof jti !== "string" || typeof iat !== "number" || typeof exp !== "number" || typeof clientId2 !== "string" || typeof scope !== "string") {
    throw new AuthFailure("invalid_token", void 0);
  }
  const scopes = scope === "" ? [] : scope.split(" ");
  if (!scopes.every(isScope)) throw new AuthFailure("invalid_token", void 0);
  return {
    subject: sub,
    clientId: clientId2,
    scopes,
    jti,
    grant: payload[GRANT_CLAIM] === "client_credentials" ? "client_credentials" : "user",
    issuedAt: iat,
    expiresAt: exp,
    sessionId
  };
}

// src/routers/auth-session.ts
import { TRPCError as TRPCError12 } from "@trpc/server";

// src/ratelimit/refusal-budgets.ts
var REFUSAL_POLICY_NAMES = {
  failedAuth: "auth.failed:ip",
  denied: "authz.denied:ip"
};
var MAX_KNOWN_BLOCKS = 1e4;
function createRefusalBudgets(limits, backend, now = Date.now) {
  const failedAuthSpec = { name: REFUSAL_POLICY_NAMES.failedAuth, ...limits.failedAuth, blockDurationSeconds: 0 };
  const deniedSpec = { name: REFUSAL_POLICY_NAMES.denied, ...limits.denied, blockDurationSeconds: 0 };
  const failedAuth = createLimiter(failedAuthSpec, backend);
  const denied = createLimiter(deniedSpec, backend);
  const blocked = /* @__PURE__ */ new Map();
  async function charge(spec, limiter, ip) {
    try {
      return snapshotOf(spec, await limiter.consume(clientKey(ip), 1), false, now());
    } catch (rejection) {
      if (!isLimitHit(rejection)) throw rejection;
      return snapshotOf(spec, rejection, true, now());
    }
  }
  return {
    failedAuthSpent(ip) {
      const key = clientKey(ip);
      const snapshot = blocked.get(key);
      if (snapshot === void 0) return void 0;
      if (snapshot.resetAtMs > now()) return snapshot;
      blocked.delete(key);
      return void 0;
    },
    async chargeFailedAuth(ip) {
      const snapshot = await charge(failedAuthSpec, failedAuth, ip);
      if (snapshot.refused) {
        const key = clientKey(ip);
        blocked.delete(key);
        blocked.set(key, snapshot);
        for (const oldest of blocked.keys()) {
          if (blocked.size <= MAX_KNOWN_BLOCKS) break;
          blocked.delete(oldest);
        }
      }
      return snapshot;
    },
    chargeDenied: (ip) => charge(deniedSpec, denied, ip)
  };
}
function refuse(ctx, snapshot, principal, path) {
  ctx.deps.events.emit("ratelimit.exceeded", { ip: ctx.ip, requestId: ctx.requestId, principal }, { path: path ?? null, policy: snapshot.policy });
  refuseRateLimited(ctx, snapshot);
}
async function withFailedAuthBudget(ctx, verify, isFailure) {
  const budgets = ctx.deps.rateLimits.refusals;
  const spent = budgets.failedAuthSpent(ctx.ip);
  if (spent !== void 0) refuse(ctx, spent, void 0, void 0);
  try {
    return await verify();
  } catch (error) {
    if (isFailure(error)) {
      const snapshot = await budgets.chargeFailedAuth(ctx.ip);
      if (snapshot.refused) refuse(ctx, snapshot, void 0, void 0);
    }
    throw error;
  }
}
async function chargeDenial(ctx, principal, path) {
  const snapshot = await ctx.deps.rateLimits.refusals.chargeDenied(ctx.ip);
  if (snapshot.refused) refuse(ctx, snapshot, principal, path);
  if (ctx.rateLimit.consider(snapshot)) writeRateLimitHeaders(ctx.responseHeaders, snapshot);
}

// src/auth/require-auth.ts
var ROLE_RANK = { user: 0, admin: 1 };
async function authorize(ctx, requirement, path) {
  const principal = await ctx.authenticate() ?? failAuth("missing_credentials");
  const missing = missingScopes(requirement.scopes, principal.scopes);
  if (missing.length > 0) {
    await deny(ctx, principal, path, "insufficient_scope", { missingScopes: missing });
    failAuth("insufficient_scope", { required: requirement.scopes, missing });
  }
  if ((requirement.subject === "user" || requirement.role !== void 0) && principal.kind !== "user") {
    await deny(ctx, principal, path, "forbidden_role", { principalKind: principal.kind });
    failAuth("forbidden_role");
  }
  if (requirement.role !== void 0 && principal.kind === "user") {
    const user = await ctx.deps.users.findById(principal.userId);
    if (user === void 0 || ROLE_RANK[user.role] < ROLE_RANK[requirement.role]) {
      await deny(ctx, principal, path, "forbidden_role", { requiredRole: requirement.role });
      failAuth("forbidden_role");
    }
  }
  return principal;
}
async function refuseForbiddenRole(ctx, principal, path) {
  await deny(ctx, principal, path, "forbidden_role", { principalKind: principal.kind });
  return failAuth("forbidden_role");
}
async function deny(ctx, principal, path, reason, details) {
  await chargeDenial(ctx, principalKey(principal), path);
  ctx.deps.events.emit("authz.denied", eventOrigin(ctx, principalKey(principal)), { path, reason, ...details });
}

// src/auth/require-cookie-csrf.ts
import { TRPCError as TRPCError10 } from "@trpc/server";

// src/http/allowed-origin.ts
function isAllowedOrigin(headers, config) {
  const origin = headers.origin;
  if (origin === void 0) return true;
  if (config.corsOrigins.includes(origin)) return true;
  let parsed;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin !== origin) return false;
  if (origin === new URL(config.issuer).origin) return true;
  return headers.host !== void 0 && parsed.host === headers.host;
}

// src/auth/require-cookie-csrf.ts
function requireCookieCsrf(ctx) {
  const csrf = ctx.headers[CSRF_HEADER];
  const origin = isAllowedOrigin(ctx.headers, ctx.deps.config);
  if (csrf !== "1" || !origin) {
    throw new TRPCError10({
      code: "FORBIDDEN",
      message: "A refresh by cookie needs the X-Gatehouse-CSRF: 1 header and an allowed Origin"
    });
  }
}

// src/http/refresh-cookie.ts
import { fastifyCookie } from "@fastify/cookie";
import { TRPCError as TRPCError11 } from "@trpc/server";
var DEVELOPMENT_REFRESH_COOKIE_NAME = "gatehouse_refresh";
var SECURE_REFRESH_COOKIE_NAME = `__Host-${DEVELOPMENT_REFRESH_COOKIE_NAME}`;
var REFRESH_COOKIE_PATH = "/";
function refreshCookieName(config) {
  return config.env === "development" ? DEVELOPMENT_REFRESH_COOKIE_NAME : SECURE_REFRESH_COOKIE_NAME;
}
function refreshCookie(config, token, maxAgeSeconds) {
  return fastifyCookie.serialize(refreshCookieName(config), token, {
    httpOnly: true,
    secure: config.env !== "development",
    sameSite: "strict",
    path: REFRESH_COOKIE_PATH,
    maxAge: maxAgeSeconds
  });
}
function clearedRefreshCookie(config) {
  return fastifyCookie.serialize(refreshCookieName(config), "", {
    httpOnly: true,
    secure: config.env !== "development",
    sameSite: "strict",
    path: REFRESH_COOKIE_PATH,
    maxAge: 0
  });
}
function readRefreshCookie(config, headers) {
  const header = headers.cookie;
  if (header === void 0 || header === "") return void 0;
  const name = refreshCookieName(config);
  let found;
  let count = 0;
  for (const pair of header.split(";")) {
    const separator = pair.indexOf("=");
    if (separator === -1 || pair.slice(0, separator).trim() !== name) continue;
    count += 1;
    found = pair.slice(separator + 1).trim();
  }
  if (count > 1) {
    throw new TRPCError11({
      code: "BAD_REQUEST",
      message: `The request carries ${count} ${name} cookies; a session has one. Clear this site's cookies and sign in again`
    });
  }
  if (found === void 0 || found === "") return void 0;
  const value = fastifyCookie.parse(`${name}=${found}`)[name];
  return value === void 0 || value === "" ? void 0 : value;
}

// src/routers/session-grant.ts
async function issueSessionGrant(ctx, user, refresh2, scopes, delivery) {
  const access = await ctx.deps.accessTokens.issue({
    subject: user.id,
    clientId: FIRST_PARTY_CLIENT_ID,
    scopes,
    grant: "user",
    sessionId: refresh2.familyId,
    notAfter: refresh2.expiresAt
  });
  const grant = {
    accessToken: access.token,
    tokenType: "Bearer",
    expiresIn: access.expiresIn,
    scope: access.scope,
    user: toPublicUser(user)
  };
  if (delivery === "body") return { ...grant, refreshToken: refresh2.token };
  ctx.responseHeaders.append("set-cookie", refreshCookie(ctx.deps.config, refresh2.token, refresh2.expiresInSeconds));
  return grant;
}

// src/routers/auth-session.ts
var refresh = async ({ input, ctx }) => {
  const fromBody = input?.refreshToken;
  let token = fromBody;
  if (token === void 0) {
    token = readRefreshCookie(ctx.deps.config, ctx.headers);
    if (token === void 0) failAuth("missing_credentials");
    requireCookieCsrf(ctx);
  }
  const outcome = await ctx.deps.refreshTokens.rotate(token, { clientId: FIRST_PARTY_CLIENT_ID, origin: eventOrigin(ctx) }).catch(rethrowUnavailable);
  if (!outcome.ok) {
    if (fromBody === void 0) ctx.responseHeaders.append("set-cookie", clearedRefreshCookie(ctx.deps.config));
    failAuth(outcome.reason);
  }
  const user = await ctx.deps.users.findById(outcome.family.userId);
  if (user === void 0) {
    await ctx.deps.refreshTokens.revokeFamily(outcome.family.familyId).catch(rethrowUnavailable);
    failAuth("revoked_token");
  }
  const held = scopesOfRole(user.role);
  const scopes = outcome.family.scopes.filter((scope) => held.includes(scope));
  return issueSessionGrant(ctx, user, outcome.refreshToken, scopes, fromBody === void 0 ? "cookie" : "body");
};
var logout = async ({ input, ctx }) => {
  const fromBody = input?.refreshToken;
  const authenticated = await ctx.authenticate().then(
    (principal2) => ({ principal: principal2, failure: void 0 }),
    (error) => {
      if (error instanceof TRPCError12 && error.cause instanceof AuthFailure) return { principal: void 0, failure: error };
      throw error;
    }
  );
  const { principal } = authenticated;
  const presented = fromBody ?? (principal === void 0 ? refreshCookieProof(ctx) : void 0);
  if (principal === void 0 && presented === void 0) throw authenticated.failure ?? failAuth("missing_credentials");
  if (principal !== void 0 && (principal.kind !== "user" || principal.credential.type !== "access_token")) {
    await refuseForbiddenRole(ctx, principal, "auth.logout");
  }
  const state = presented === void 0 ? void 0 : await ctx.deps.refreshTokens.inspect(presented).catch(rethrowUnavailable);
  const provenFamily = state?.family.clientId === FIRST_PARTY_CLIENT_ID ? state.family : void 0;
  if (principal === void 0 && provenFamily === void 0) throw authenticated.failure ?? failAuth("invalid_token");
  const accessToken = principal?.credential.type === "access_token" ? principal.credential : void 0;
  await Promise.all([
    accessToken === void 0 ? void 0 : ctx.deps.revocation.endSession({ jti: accessToken.jti, expiresAt: accessToken.expiresAt, sessionId: accessToken.sessionId }),
    provenFamily === void 0 || provenFamily.familyId === accessToken?.sessionId ? void 0 : ctx.deps.refreshTokens.revokeFamily(provenFamily.familyId)
  ]).catch(rethrowUnavailable);
  const actor = principal === void 0 ? `user:${provenFamily?.userId ?? "unknown"}` : principalKey(principal);
  ctx.deps.events.emit("token.revoked", eventOrigin(ctx, actor), {
    reason: "logout",
    jti: accessToken?.jti ?? null,
    familyId: accessToken?.sessionId ?? provenFamily?.familyId ?? null
  });
  return { ok: true };
};
function refreshCookieProof(ctx) {
  const fromCookie = readRefreshCookie(ctx.deps.config, ctx.headers);
  if (fromCookie !== void 0) requireCookieCsrf(ctx);
  return fromCookie;
}

// src/routers/auth.ts
var authHandlers = {
  async register({ input, ctx }) {
    assertUncommonPassword(input.password);
    const passwordHash = await ctx.deps.passwords.hash(input.password);
    try {
      const user = await ctx.deps.users.create({ email: input.email, name: input.name, role: "user", passwordHash });
      return toPublicUser(user);
    } catch (error) {
      if (error instanceof EmailTakenError) throw new TRPCError13({ code: "CONFLICT", message: error.message });
      throw error;
    }
  },
  async login({ input, ctx }) {
    await enforceLoginPolicy(ctx);
    const attempt = await guardLogin(ctx, input.email);
    const user = await checkPassword(ctx.deps, input, eventOrigin(ctx)) ?? failAuth("invalid_credentials");
    await attempt.succeeded();
    const scopes = scopesOfRole(user.role);
    const family = await ctx.deps.refreshTokens.startFamily({ userId: user.id, clientId: FIRST_PARTY_CLIENT_ID, scopes }).catch(rethrowUnavailable);
    return issueSessionGrant(ctx, user, family, scopes, input.refreshTokenDelivery ?? "body");
  },
  refresh,
  logout
};

// src/trpc.ts
import { initTRPC } from "@trpc/server";

// src/errors/format-error.ts
import { ZodError } from "zod";

// src/errors/service-overloaded.ts
import { TRPCError as TRPCError14 } from "@trpc/server";
var ServiceOverloaded = class extends Error {
  constructor(resource, retryAfterMs) {
    super("The server is busy; try again shortly");
    this.resource = resource;
    this.retryAfterMs = retryAfterMs;
    this.name = "ServiceOverloaded";
  }
  resource;
  retryAfterMs;
  toTRPCError() {
    return new TRPCError14({ code: "SERVICE_UNAVAILABLE", message: this.message, cause: this });
  }
};

// src/errors/format-error.ts
var MAX_ISSUES = 20;
function formatError(opts) {
  const { shape, error, ctx } = opts;
  const development = ctx?.deps.config.env === "development";
  const { stack: _neverSent, ...trpcData } = shape.data;
  const common = ctx === void 0 ? trpcData : { ...trpcData, requestId: ctx.requestId };
  const cause = error.cause;
  const message = error.code === "INTERNAL_SERVER_ERROR" && !development ? "Internal server error" : cause instanceof ZodError ? "Invalid input" : shape.message;
  return { ...shape, message, data: wireData(common, cause) };
}
function wireData(common, cause) {
  const { code, ...rest } = common;
  switch (code) {
    case "UNAUTHORIZED":
    case "FORBIDDEN":
      return cause instanceof AuthFailure ? { ...rest, code, auth: cause.data } : { ...rest, code };
    case "TOO_MANY_REQUESTS":
      return cause instanceof RateLimitExceeded ? { ...rest, code, rateLimit: cause.data } : { ...rest, code };
    case "SERVICE_UNAVAILABLE":
      return cause instanceof ServiceOverloaded ? { ...rest, code, retryAfterMs: cause.retryAfterMs } : { ...rest, code };
    case "BAD_REQUEST":
      return cause instanceof ZodError ? { ...rest, code, issues: toFieldIssues(cause) } : { ...rest, code };
    default:
      return { ...rest, code };
  }
}
function toFieldIssues(error) {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map((segment) => typeof segment === "number" ? segment : String(segment)),
    message: issue.message,
    code: issue.code
  }));
}

// src/trpc.ts
var t = initTRPC.context().meta().create({ isDev: false, errorFormatter: formatError });

// src/routers/contract-resolver.ts
import { performance as performance3 } from "node:perf_hooks";
import { getTRPCErrorFromUnknown, TRPCError as TRPCError16 } from "@trpc/server";
import { getParseFn } from "@trpc/server/unstable-core-do-not-import";

// src/abuse/detect-enumeration.ts
async function refuseEnumerationBlock(ctx) {
  const subjects = await enumerationSubjects(ctx);
  const refusal = await ctx.deps.abuse.enumeration.blockFor(subjects.keys);
  if (refusal !== void 0) refuseRateLimited(ctx, refusal);
  return subjects;
}
async function recordEnumerationMiss(ctx, subjects, path, error) {
  if (error.code !== "NOT_FOUND" && error.code !== "FORBIDDEN") return;
  await ctx.deps.abuse.enumeration.recordMiss(subjects.keys, eventOrigin(ctx, subjects.principal), path);
}
async function enumerationSubjects(ctx) {
  const principal = await ctx.authenticate().then(
    (found) => found === void 0 ? void 0 : principalKey(found),
    () => void 0
  );
  const ip = `ip:${clientKey(ctx.ip)}`;
  return { keys: principal === void 0 ? [ip] : [ip, principal], principal };
}

// src/auth/refuse-query-credentials.ts
import { TRPCError as TRPCError15 } from "@trpc/server";
function refuseQueryCredential(ctx) {
  if (ctx.credentialInQuery !== void 0) {
    throw new TRPCError15({
      code: "BAD_REQUEST",
      message: `Credentials are not accepted in the query string (${ctx.credentialInQuery}); send them in the Authorization or X-API-Key header`
    });
  }
}

// src/errors/answer-store-unavailable.ts
function storeUnavailableAnswer(result) {
  if (result.ok || !(result.error?.cause instanceof StoreUnavailableError)) return void 0;
  return serviceUnavailable(result.error.cause);
}

// src/metrics/record-call-metrics.ts
import { performance as performance2 } from "node:perf_hooks";
function recordCallOutcome(metrics, path, result, startedMs) {
  const error = result.ok ? void 0 : result.error;
  const outcome = error === void 0 ? "ok" : error.code;
  const labels = { procedure: path, outcome };
  metrics.calls.inc(labels);
  metrics.callDuration.observe(labels, (performance2.now() - startedMs) / 1e3);
  const cause = error?.cause;
  if (cause instanceof AuthFailure) {
    metrics.authFailures.inc({ status: cause.status === "UNAUTHORIZED" ? "401" : "403", reason: cause.data.reason });
  } else if (cause instanceof RateLimitExceeded) {
    metrics.rateLimited.inc({ policy: cause.data.policy });
  }
}

// src/ratelimit/enforce-rate-limit.ts
async function chargeRateLimit(ctx, contract, principal, path) {
  const policy = ctx.deps.rateLimits.policyFor(contract);
  if (policy === void 0) return;
  const key = policy.key === "principal" && principal !== void 0 ? principalKey(principal) : `ip:${clientKey(ctx.ip)}`;
  const outcome = await ctx.rateLimit.charge(policy, key);
  if (!outcome.allowed) {
    if (outcome.firstRefusal) {
      ctx.deps.events.emit("ratelimit.exceeded", eventOrigin(ctx, principal === void 0 ? void 0 : principalKey(principal)), {
        path,
        policy: policy.name
      });
    }
    refuseRateLimited(ctx, outcome.snapshot);
  }
  if (ctx.rateLimit.consider(outcome.snapshot)) writeRateLimitHeaders(ctx.responseHeaders, outcome.snapshot);
}

// src/routers/contract-resolver.ts
function contractResolver(contract, handler) {
  const requirement = contract.auth;
  const limited = contract.rateLimit !== "none";
  const idLookup = contract.idLookup === true;
  const parseInput = getParseFn(contract.input);
  const parseOutput = getParseFn(contract.output);
  async function runChecksAndHandler(ctx, path, getRawInput) {
    const authenticated = requirement === "public" ? void 0 : await ctx.authenticate() ?? failAuth("missing_credentials");
    if (limited) await chargeRateLimit(ctx, contract, authenticated, path);
    const principal = requirement === "public" ? void 0 : await authorize(ctx, requirement, path);
    const rawInput = await getRawInput();
    let input;
    try {
      input = await parseInput(rawInput);
    } catch (cause) {
      throw new TRPCError16({ code: "BAD_REQUEST", cause });
    }
    const handlerCtx = principal === void 0 ? ctx : { ...ctx, principal };
    const output = await handler({ input, ctx: handlerCtx });
    try {
      return await parseOutput(output);
    } catch (cause) {
      throw new TRPCError16({ message: "Output validation failed", code: "INTERNAL_SERVER_ERROR", cause });
    }
  }
  async function runIdLookup(ctx, path, getRawInput) {
    const subjects = await refuseEnumerationBlock(ctx);
    try {
      return await runChecksAndHandler(ctx, path, getRawInput);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      await recordEnumerationMiss(ctx, subjects, path, error);
      throw error;
    }
  }
  return async function resolveContract({ ctx: callCtx, path, getRawInput }) {
    const ctx = callCtx;
    const started = performance3.now();
    try {
      refuseQueryCredential(ctx);
      const data = await (idLookup ? runIdLookup(ctx, path, getRawInput) : runChecksAndHandler(ctx, path, getRawInput));
      recordCallOutcome(ctx.deps.metrics, path, SUCCEEDED, started);
      return data;
    } catch (cause) {
      const failed = { ok: false, error: getTRPCErrorFromUnknown(cause) };
      recordCallOutcome(ctx.deps.metrics, path, failed, started);
      throw storeUnavailableAnswer(failed) ?? failed.error;
    }
  };
}
var SUCCEEDED = { ok: true };

// src/routers/build-router.ts
function procedureFor(contract) {
  return t.procedure.meta({ contract });
}
function buildRouter(contracts2, handlers) {
  return t.router(buildRecord(contracts2, handlers, ""));
}
function buildRecord(tree, handlers, prefix) {
  const record = {};
  for (const [segment, node] of Object.entries(tree)) {
    const path = prefix === "" ? segment : `${prefix}.${segment}`;
    const handler = handlers[segment];
    if (isProcedureContract(node)) {
      if (typeof handler !== "function") throw new Error(`No handler for procedure ${path}`);
      const builder = procedureFor(node);
      const resolve2 = contractResolver(node, handler);
      record[segment] = node.kind === "query" ? builder.query(resolve2) : builder.mutation(resolve2);
    } else {
      if (typeof handler !== "object" || handler === null) throw new Error(`No handlers for ${path}`);
      record[segment] = buildRecord(node, handler, path);
    }
  }
  return record;
}

// src/routers/health.ts
var healthHandlers = {
  async health() {
    return { status: "ok", time: (/* @__PURE__ */ new Date()).toISOString() };
  }
};

// src/auth/ownership.ts
import { TRPCError as TRPCError17 } from "@trpc/server";
async function mayAccessOwnedBy(ctx, ownerId) {
  const { principal } = ctx;
  if (principal.kind !== "user") return true;
  if (principal.userId === ownerId) return true;
  const caller = await ctx.deps.users.findById(principal.userId);
  return caller?.role === "admin";
}
async function requireOwned(ctx, record, ownerOf) {
  if (record !== void 0 && await mayAccessOwnedBy(ctx, ownerOf(record))) return record;
  throw new TRPCError17({ code: "NOT_FOUND", message: "Not found" });
}

// src/routers/order-view.ts
function toOrder(order) {
  return {
    id: order.id,
    ownerId: order.ownerId,
    items: order.items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
    shippingAddress: { ...order.shippingAddress },
    paymentMethod: order.paymentMethod,
    status: order.status,
    createdAt: order.createdAt.toISOString()
  };
}

// src/routers/orders.ts
var ordersHandlers = {
  async create({ input, ctx }) {
    return toOrder(await ctx.deps.orders.create({ ...input, ownerId: ctx.principal.userId }));
  },
  async list({ input, ctx }) {
    const { principal } = ctx;
    const ownerId = principal.kind === "user" ? principal.userId : void 0;
    const page2 = await fetchPage(input, (request) => ctx.deps.orders.list({ ownerId }, request));
    return { items: page2.items.map(toOrder), nextCursor: page2.nextCursor };
  },
  async byId({ input, ctx }) {
    const order = await requireOwned(ctx, await ctx.deps.orders.findById(input.id), (record) => record.ownerId);
    return toOrder(order);
  }
};

// src/routers/users.ts
import { TRPCError as TRPCError18 } from "@trpc/server";
var notFound = () => new TRPCError18({ code: "NOT_FOUND", message: "Not found" });
var usersHandlers = {
  async me({ ctx }) {
    const user = await ctx.deps.users.findById(ctx.principal.userId);
    if (user === void 0) throw notFound();
    return toPublicUser(user);
  },
  async byId({ input, ctx }) {
    const user = await requireOwned(ctx, await ctx.deps.users.findById(input.id), (record) => record.id);
    return toPublicUser(user);
  },
  async update({ input, ctx }) {
    const user = await ctx.deps.users.updateName(ctx.principal.userId, input.name);
    if (user === void 0) throw notFound();
    return toPublicUser(user);
  }
};

// src/routers/app-router.ts
var appRouter = buildRouter(contracts, {
  ...healthHandlers,
  auth: authHandlers,
  users: usersHandlers,
  orders: ordersHandlers,
  admin: adminHandlers,
  apiKeys: apiKeysHandlers
});

// src/http/create-server.ts
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import Fastify2 from "fastify";
import { v4 as uuidv49 } from "uuid";

// src/stores/api-key-store.ts
var ParentApiKeyGoneError = class extends Error {
  constructor() {
    super("The API key used to create this key is no longer valid");
    this.name = "ParentApiKeyGoneError";
  }
};
var API_KEY_RETENTION_MS = 30 * 24 * 60 * 60 * 1e3;

// src/apikeys/key-format.ts
import { randomBytes } from "node:crypto";

// src/apikeys/crc32.ts
var TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index += 1) {
    let value = index;
    for (let bit = 0; bit < 8; bit += 1) value = value & 1 ? 3988292384 ^ value >>> 1 : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();
function crc32(text) {
  let crc = 4294967295;
  for (let index = 0; index < text.length; index += 1) {
    crc = (TABLE[(crc ^ text.charCodeAt(index)) & 255] ?? 0) ^ crc >>> 8;
  }
  return (crc ^ 4294967295) >>> 0;
}

// src/apikeys/key-format.ts
var API_KEY_PREFIX = "gk_live_";
var API_KEY_FAMILY = "gk_";
var BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
var RANDOM_LENGTH = 43;
var CHECKSUM_LENGTH = 6;
var DISPLAY_LENGTH = API_KEY_PREFIX.length + 6;
var API_KEY_LENGTH = API_KEY_PREFIX.length + RANDOM_LENGTH + CHECKSUM_LENGTH;
var KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);
function generateApiKey() {
  const body = API_KEY_PREFIX + randomBase62(RANDOM_LENGTH);
  const key = body + checksumOf(body);
  return { key, prefix: displayPrefix(key) };
}
function looksLikeApiKey(credential) {
  return credential.startsWith(API_KEY_FAMILY);
}
function isWellFormedApiKey(candidate) {
  if (!KEY_SHAPE.test(candidate)) return false;
  const body = candidate.slice(0, -CHECKSUM_LENGTH);
  return checksumOf(body) === candidate.slice(-CHECKSUM_LENGTH);
}
function displayPrefix(key) {
  return key.slice(0, DISPLAY_LENGTH);
}
function checksumOf(body) {
  return toBase62(crc32(body)).padStart(CHECKSUM_LENGTH, "0");
}
function toBase62(value) {
  let rest = value;
  let digits = "";
  do {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return digits;
}
function randomBase62(length) {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

// src/apikeys/key-hash.ts
import { createHash, timingSafeEqual } from "node:crypto";
function hashApiKey(key) {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
function hashesEqual(a, b) {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

// src/apikeys/api-keys.ts
var LAST_USED_INTERVAL_MS = 6e4;
var DAY_MS = 24 * 60 * 60 * 1e3;
function createApiKeys(options) {
  const { store } = options;
  const now = options.now ?? Date.now;
  return {
    /** Throws AuthFailure revoked_token when the parent key stopped working while the request ran. */
    async issue(request) {
      const { key, prefix } = generateApiKey();
      const expiresAt = request.expiresInDays === void 0 ? void 0 : new Date(now() + request.expiresInDays * DAY_MS);
      const record = await store.create({ ownerId: request.ownerId, name: request.name, prefix, hash: hashApiKey(key), scopes: request.scopes, expiresAt, parentId: request.parentId }).catch((error) => {
        if (error instanceof ParentApiKeyGoneError) throw new AuthFailure("revoked_token");
        throw error;
      });
      return { record, key };
    },
    async verify(key) {
      if (!isWellFormedApiKey(key)) throw new AuthFailure("invalid_token");
      const hash2 = hashApiKey(key);
      const record = await store.findByHash(hash2);
      if (record === void 0 || !hashesEqual(record.hash, hash2)) throw new AuthFailure("invalid_token");
      if (record.revokedAt !== void 0) throw new AuthFailure("revoked_token");
      const at = now();
      if (record.expiresAt !== void 0 && record.expiresAt.getTime() <= at) throw new AuthFailure("expired_token");
      const last = record.lastUsedAt?.getTime();
      if (last === void 0 || at - last >= LAST_USED_INTERVAL_MS) {
        await store.touchLastUsed(record.id, new Date(at), LAST_USED_INTERVAL_MS).catch((error) => {
          options.onTouchFailed?.(error);
          return false;
        });
      }
      return record;
    },
    list: (ownerId, page2) => store.listByOwner(ownerId, page2),
    revoke: (ownerId, id) => store.revoke(ownerId, id, new Date(now())),
    revokeAllOfOwner: (ownerId) => store.revokeAllOfOwner(ownerId, new Date(now()))
  };
}

// src/auth/service-directory.ts
function createServiceDirectory() {
  const byFingerprint = /* @__PURE__ */ new Map();
  return {
    register(service2) {
      byFingerprint.set(service2.certSha256, Object.freeze({ ...service2, scopes: Object.freeze([...service2.scopes]) }));
    },
    byFingerprint: (certSha256) => byFingerprint.get(certSha256)
  };
}

// src/auth/client-directory.ts
function createClientDirectory() {
  const clientIds = /* @__PURE__ */ new Set();
  return {
    register(clientId2) {
      clientIds.add(clientId2);
    },
    has: (clientId2) => clientIds.has(clientId2)
  };
}

// src/auth/principal-presence.ts
var DEFAULT_PRESENCE_TTL_MS = 1e3;
function createPrincipalPresence(options) {
  const { users, clients } = options;
  const presenceTtlMs = options.presenceTtlMs ?? DEFAULT_PRESENCE_TTL_MS;
  const maxEntries = options.maxEntries ?? 1e4;
  const now = options.now ?? Date.now;
  const checkedAt = /* @__PURE__ */ new Map();
  return {
    async assertPresent(token) {
      if (token.clientId !== FIRST_PARTY_CLIENT_ID && !clients.has(token.clientId)) throw new AuthFailure("invalid_token");
      if (token.grant === "client_credentials") return;
      const at = now();
      const lastSeen = checkedAt.get(token.subject);
      if (lastSeen !== void 0 && at - lastSeen < presenceTtlMs) return;
      const user = await users.findById(token.subject).catch(rethrowUnavailable);
      checkedAt.delete(token.subject);
      if (user === void 0) throw new AuthFailure("invalid_token");
      checkedAt.set(token.subject, at);
      if (checkedAt.size > maxEntries) {
        const oldest = checkedAt.keys().next();
        if (oldest.done !== true) checkedAt.delete(oldest.value);
      }
    }
  };
}

// src/auth/password-hasher.ts
import bcrypt from "bcryptjs";
var BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
async function createPasswordHasher(options) {
  const { cost, pool } = options;
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError("bcrypt cost must be an integer from 4 to 31");
  const hashWith = pool === void 0 ? (password) => bcrypt.hash(password, cost) : (password) => pool.hash(password, cost);
  const compareWith = pool === void 0 ? bcrypt.compare : pool.compare;
  const dummyHash = await hashWith("gatehouse-timing-equaliser");
  let operations = 0;
  return {
    async hash(password) {
      operations += 1;
      return refuseWhenOverloaded(hashWith(password));
    },
    async verify(password, hash2) {
      operations += 1;
      const usable = hash2 !== void 0 && BCRYPT_HASH.test(hash2);
      const matches = await refuseWhenOverloaded(compareWith(password, usable ? hash2 : dummyHash));
      return usable && matches;
    },
    get operations() {
      return operations;
    }
  };
}
async function refuseWhenOverloaded(work) {
  try {
    return await work;
  } catch (error) {
    throw error instanceof ServiceOverloaded ? error.toTRPCError() : error;
  }
}
function isBcryptHash(value) {
  return BCRYPT_HASH.test(value);
}

// src/auth/password-worker-pool.ts
import { Worker } from "node:worker_threads";
var WORKER_URL = new URL("./bcrypt-worker.mjs", import.meta.url);
var INITIAL_TASK_MS = 450;
var PasswordPoolClosedError = class extends Error {
  constructor() {
    super("The password worker pool is closed");
    this.name = "PasswordPoolClosedError";
  }
};
function createPasswordWorkerPool(options) {
  const { threads, queue } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError("threads must be a positive integer");
  if (!Number.isInteger(queue) || queue < 0) throw new RangeError("queue must be a non-negative integer");
  const waiting = [];
  let nextId = 1;
  let closed = false;
  let averageTaskMs = INITIAL_TASK_MS;
  const slots = Array.from({ length: threads }, () => spawn());
  function spawn() {
    const slot = { worker: new Worker(WORKER_URL), job: void 0, startedAt: 0 };
    slot.worker.unref();
    slot.worker.on("message", (reply) => {
      const job = slot.job;
      if (job === void 0 || job.id !== reply.id) return;
      averageTaskMs = averageTaskMs * 0.8 + (performance.now() - slot.startedAt) * 0.2;
      finish(slot);
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new Error(`bcrypt ${job.task.op} failed: ${reply.message}`));
    });
    const replace = (error) => {
      const job = slot.job;
      slot.job = void 0;
      job?.reject(error);
      if (closed) return;
      const index = slots.indexOf(slot);
      if (index !== -1) slots[index] = spawn();
      dispatch();
    };
    slot.worker.once("error", replace);
    slot.worker.once("exit", (code) => {
      if (!closed) replace(new Error(`password worker exited with code ${code}`));
    });
    return slot;
  }
  function finish(slot) {
    slot.job = void 0;
    slot.worker.unref();
    dispatch();
  }
  function dispatch() {
    for (const slot of slots) {
      if (slot.job !== void 0) continue;
      const job = waiting.shift();
      if (job === void 0) return;
      slot.job = job;
      slot.startedAt = performance.now();
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, ...job.task });
    }
  }
  function run(task) {
    if (closed) return Promise.reject(new PasswordPoolClosedError());
    const busy = slots.every((slot) => slot.job !== void 0);
    if (busy && waiting.length >= queue) {
      const retryAfterMs = Math.ceil(averageTaskMs * (waiting.length + threads) / threads);
      return Promise.reject(new ServiceOverloaded("password-workers", retryAfterMs));
    }
    return new Promise((resolve2, reject) => {
      waiting.push({ id: nextId++, task, resolve: resolve2, reject });
      dispatch();
    });
  }
  return {
    async hash(password, cost) {
      return await run({ op: "hash", password, cost });
    },
    async compare(password, hash2) {
      return await run({ op: "compare", password, hash: hash2 }) === true;
    },
    get pending() {
      return waiting.length + slots.filter((slot) => slot.job !== void 0).length;
    },
    threads,
    async close() {
      if (closed) return;
      closed = true;
      for (const job of waiting.splice(0)) job.reject(new PasswordPoolClosedError());
      await Promise.all(
        slots.map(async (slot) => {
          slot.job?.reject(new PasswordPoolClosedError());
          slot.job = void 0;
          await slot.worker.terminate();
        })
      );
    }
  };
}

// src/audit/security-events.ts
var SERVER_ORIGIN = Object.freeze({ ip: "server", requestId: "server", principal: "service:gatehouse" });
function createSecurityEvents(logger, now = () => /* @__PURE__ */ new Date()) {
  const sinks = [];
  const log = logger.child({ component: "security" });
  return {
    emit(type, origin, details = {}) {
      const event = { time: now().toISOString(), type, ...origin, details };
      log.info({ event }, type);
      for (const sink of sinks) {
        Promise.resolve().then(() => sink.record(event)).catch((error) => log.error({ err: error, type }, "security event sink failed"));
      }
    },
    addSink(sink) {
      sinks.push(sink);
    }
  };
}

// src/stores/order-store.ts
import { v4 as uuidv42 } from "uuid";
function newOrderRecord(order, createdAt) {
  return Object.freeze({
    id: uuidv42(),
    ownerId: order.ownerId,
    items: order.items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
    shippingAddress: { ...order.shippingAddress },
    paymentMethod: order.paymentMethod,
    status: "pending",
    createdAt
  });
}

// src/stores/memory/sequenced-list.ts
var SequencedList = class {
  #sequences = [];
  #ids = [];
  append(sequence, id) {
    this.#sequences.push(sequence);
    this.#ids.push(id);
  }
  get size() {
    return this.#ids.length;
  }
  /** Oldest first, after the cursor. */
  pageAscending(cursor, limit) {
    const after = cursor === void 0 ? -1 : decodeSequenceCursor(cursor);
    const start = this.#firstIndexAbove(after);
    const ids = this.#ids.slice(start, start + limit);
    const last = start + ids.length - 1;
    const more = start + ids.length < this.#ids.length;
    return { items: ids, nextCursor: more ? encodeSequenceCursor(this.#sequences[last] ?? 0) : null };
  }
  /** Newest first, before the cursor. */
  pageDescending(cursor, limit) {
    const before = cursor === void 0 ? Number.POSITIVE_INFINITY : decodeSequenceCursor(cursor);
    const end = this.#firstIndexAbove(before - 1);
    const start = Math.max(0, end - limit);
    const ids = this.#ids.slice(start, end).reverse();
    return { items: ids, nextCursor: start > 0 ? encodeSequenceCursor(this.#sequences[start] ?? 0) : null };
  }
  #firstIndexAbove(sequence) {
    let low = 0;
    let high = this.#sequences.length;
    while (low < high) {
      const middle = low + high >>> 1;
      if ((this.#sequences[middle] ?? 0) <= sequence) low = middle + 1;
      else high = middle;
    }
    return low;
  }
};

// src/stores/memory/memory-order-store.ts
function createMemoryOrderStore(options = {}) {
  const maxOrders = options.maxOrders ?? 1e6;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const byId = /* @__PURE__ */ new Map();
  const all = new SequencedList();
  const byOwner = /* @__PURE__ */ new Map();
  let sequence = 0;
  return {
    async create(order) {
      if (byId.size >= maxOrders) throw new StoreFullError("order");
      const record = newOrderRecord(order, now());
      const position = sequence++;
      byId.set(record.id, record);
      all.append(position, record.id);
      let owned = byOwner.get(record.ownerId);
      if (owned === void 0) {
        owned = new SequencedList();
        byOwner.set(record.ownerId, owned);
      }
      owned.append(position, record.id);
      return record;
    },
    async findById(id) {
      return byId.get(id);
    },
    async list(filter, page2) {
      const list = filter.ownerId === void 0 ? all : byOwner.get(filter.ownerId);
      if (list === void 0) return { items: [], nextCursor: null };
      const ids = list.pageDescending(page2.cursor, page2.limit);
      return { items: ids.items.flatMap((id) => byId.get(id) ?? []), nextCursor: ids.nextCursor };
    }
  };
}

// src/stores/memory/memory-user-store.ts
import { v4 as uuidv43 } from "uuid";
function createMemoryUserStore(options = {}) {
  const maxUsers = options.maxUsers ?? 1e5;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const byId = /* @__PURE__ */ new Map();
  const idByEmail = /* @__PURE__ */ new Map();
  const order = new SequencedList();
  let sequence = 0;
  function replace(id, change) {
    const current = byId.get(id);
    if (current === void 0) return void 0;
    const next = Object.freeze({ ...current, ...change });
    byId.set(id, next);
    return next;
  }
  return {
    async create(user) {
      if (idByEmail.has(user.email.toLowerCase())) throw new EmailTakenError();
      if (byId.size >= maxUsers) throw new StoreFullError("user");
      const record = Object.freeze({ ...user, id: uuidv43(), createdAt: now() });
      byId.set(record.id, record);
      idByEmail.set(record.email.toLowerCase(), record.id);
      order.append(sequence++, record.id);
      return record;
    },
    async findById(id) {
      return byId.get(id);
    },
    async findByEmail(email) {
      const id = idByEmail.get(email.toLowerCase());
      return id === void 0 ? void 0 : byId.get(id);
    },
    async list(page2) {
      const ids = order.pageAscending(page2.cursor, page2.limit);
      return { items: ids.items.flatMap((id) => byId.get(id) ?? []), nextCursor: ids.nextCursor };
    },
    async updateName(id, name) {
      return replace(id, { name });
    },
    async setRole(id, role) {
      return replace(id, { role });
    }
  };
}

// src/stores/redis/redis-order-store.ts
import { z as z16 } from "zod";

// src/stores/redis/redis-script.ts
import { createHash as createHash2 } from "node:crypto";
import { ReplyError } from "ioredis";
function createRedisScript(lua) {
  const sha = createHash2("sha1").update(lua).digest("hex");
  return {
    async run(redis, keys, args) {
      return runOnRedis(async () => {
        try {
          return await redis.evalsha(sha, keys.length, ...keys, ...args);
        } catch (error) {
          if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
          return redis.eval(lua, keys.length, ...keys, ...args);
        }
      });
    }
  };
}
async function runOnRedis(operation, what = "Redis") {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ReplyError || error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(what, { cause: error });
  }
}

// src/stores/redis/sorted-set-page.ts
async function pageSortedSet(redis, key, page2, order) {
  const position = page2.cursor === void 0 ? void 0 : decodeSequenceCursor(page2.cursor);
  const count = page2.limit + 1;
  const flat = await runOnRedis(
    () => order === "ascending" ? redis.zrangebyscore(key, position === void 0 ? "-inf" : `(${position}`, "+inf", "WITHSCORES", "LIMIT", 0, count) : redis.zrevrangebyscore(key, position === void 0 ? "+inf" : `(${position}`, "-inf", "WITHSCORES", "LIMIT", 0, count)
  );
  const ids = [];
  let lastScore = 0;
  for (let index = 0; index + 1 < flat.length && ids.length < page2.limit; index += 2) {
    ids.push(flat[index]);
    lastScore = Number(flat[index + 1]);
  }
  const more = flat.length / 2 > page2.limit;
  return { items: ids, nextCursor: more ? encodeSequenceCursor(lastScore) : null };
}

// src/stores/redis/redis-order-store.ts
var INDEX_ORDER = createRedisScript(`
local position = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], position, ARGV[1])
return position
`);
var storedOrder = z16.object({
  id: z16.string(),
  ownerId: z16.string(),
  items: z16.array(z16.object({ productId: z16.number(), quantity: z16.number() })),
  shippingAddress: z16.object({ line1: z16.string(), city: z16.string(), postalCode: z16.string(), country: z16.string() }),
  paymentMethod: orderSchema.shape.paymentMethod,
  status: orderSchema.shape.status,
  createdAt: z16.number().int()
});
function createRedisOrderStore(options) {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const keys = {
    order: (id) => `${keyPrefix}order:${id}`,
    sequence: `${keyPrefix}{orders}:sequence`,
    bySequence: `${keyPrefix}{orders}:by-sequence`,
    byOwner: (ownerId) => `${keyPrefix}{o:${ownerId}}:orders`
  };
  async function findById(id) {
    const json = await runOnRedis(() => redis.get(keys.order(id)));
    return json === null ? void 0 : toRecord(json);
  }
  return {
    async create(order) {
      const record = newOrderRecord(order, now());
      const json = JSON.stringify({ ...record, createdAt: record.createdAt.getTime() });
      await runOnRedis(() => redis.set(keys.order(record.id), json));
      const position = Number(await INDEX_ORDER.run(redis, [keys.sequence, keys.bySequence], [record.id]));
      await runOnRedis(() => redis.zadd(keys.byOwner(record.ownerId), position, record.id));
      return record;
    },
    findById,
    async list(filter, page2) {
      const key = filter.ownerId === void 0 ? keys.bySequence : keys.byOwner(filter.ownerId);
      const ids = await pageSortedSet(redis, key, page2, "descending");
      const orders = await Promise.all(ids.items.map(findById));
      return { items: orders.filter((order) => order !== void 0), nextCursor: ids.nextCursor };
    }
  };
}
function toRecord(json) {
  const parsed = storedOrder.safeParse(JSON.parse(json));
  if (!parsed.success) throw new Error("Corrupt order record in Redis");
  return Object.freeze({ ...parsed.data, createdAt: new Date(parsed.data.createdAt) });
}

// src/stores/redis/redis-user-store.ts
import { v4 as uuidv44 } from "uuid";
import { z as z17 } from "zod";
var INDEX_USER = createRedisScript(`
local position = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], position, ARGV[1])
return position
`);
var UPDATE_USER_FIELD = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])
`);
var storedUser = z17.object({
  id: z17.string(),
  email: z17.string(),
  name: z17.string(),
  role: roleSchema,
  passwordHash: z17.string(),
  createdAt: z17.coerce.number().int()
});
function createRedisUserStore(options) {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const keys = {
    user: (id) => `${keyPrefix}{u:${id}}:user`,
    email: (email) => `${keyPrefix}user-email:${email.toLowerCase()}`,
    sequence: `${keyPrefix}{users}:sequence`,
    bySequence: `${keyPrefix}{users}:by-sequence`
  };
  async function findById(id) {
    return toRecord2(await runOnRedis(() => redis.hgetall(keys.user(id))));
  }
  async function updateField(id, field, value) {
    const reply = await UPDATE_USER_FIELD.run(redis, [keys.user(id)], [field, value]);
    return Array.isArray(reply) ? toRecord2(pairsToObject(reply)) : void 0;
  }
  return {
    async create(user) {
      const record = Object.freeze({ ...user, id: uuidv44(), createdAt: now() });
      const fields = ["id", record.id, "email", record.email, "name", record.name, "role", record.role];
      await runOnRedis(
        () => redis.hset(keys.user(record.id), ...fields, "passwordHash", record.passwordHash, "createdAt", String(record.createdAt.getTime()))
      );
      const claimed = await runOnRedis(() => redis.set(keys.email(record.email), record.id, "NX"));
      if (claimed !== "OK") {
        await runOnRedis(() => redis.del(keys.user(record.id)));
        throw new EmailTakenError();
      }
      await INDEX_USER.run(redis, [keys.sequence, keys.bySequence], [record.id]);
      return record;
    },
    findById,
    async findByEmail(email) {
      const id = await runOnRedis(() => redis.get(keys.email(email)));
      return id === null ? void 0 : findById(id);
    },
    async list(page2) {
      const ids = await pageSortedSet(redis, keys.bySequence, page2, "ascending");
      const users = await Promise.all(ids.items.map(findById));
      return { items: users.filter((user) => user !== void 0), nextCursor: ids.nextCursor };
    },
    updateName: (id, name) => updateField(id, "name", name),
    setRole: (id, role) => updateField(id, "role", role)
  };
}
function toRecord2(hash2) {
  if (Object.keys(hash2).length === 0) return void 0;
  const parsed = storedUser.safeParse(hash2);
  if (!parsed.success) throw new Error("Corrupt user record in Redis");
  return Object.freeze({ ...parsed.data, createdAt: new Date(parsed.data.createdAt) });
}
function pairsToObject(reply) {
  const object = {};
  for (let index = 0; index + 1 < reply.length; index += 2) object[String(reply[index])] = String(reply[index + 1]);
  return object;
}

// src/stores/create-stores.ts
function createStores(config, options) {
  if (config.store.kind === "redis") {
    if (options.redis === void 0) throw new Error("GATEHOUSE_STORE=redis needs a Redis connection");
    const redis = { redis: options.redis, keyPrefix: config.store.keyPrefix, now: options.now };
    return { users: createRedisUserStore(redis), orders: createRedisOrderStore(redis) };
  }
  return {
    users: createMemoryUserStore({ now: options.now }),
    orders: createMemoryOrderStore({ now: options.now })
  };
}

// src/stores/memory/memory-api-key-store.ts
import { v4 as uuidv45 } from "uuid";
function createMemoryApiKeyStore(options = {}) {
  const maxKeys = options.maxKeys ?? 1e5;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const byId = /* @__PURE__ */ new Map();
  const idByHash = /* @__PURE__ */ new Map();
  const childrenOf = /* @__PURE__ */ new Map();
  let sequence = 0;
  function revokeWithDescendants(rootId, at) {
    let revoked = 0;
    const queue = [rootId];
    for (let id = queue.shift(); id !== void 0; id = queue.shift()) {
      const entry = byId.get(id);
      if (entry === void 0) continue;
      if (entry.record.revokedAt === void 0) {
        entry.record = Object.freeze({ ...entry.record, revokedAt: at });
        revoked += 1;
      }
      queue.push(...childrenOf.get(id) ?? []);
    }
    return revoked;
  }
  return {
    async create(key) {
      if (byId.size >= maxKeys) throw new StoreFullError("API key");
      let { expiresAt } = key;
      if (key.parentId !== void 0) {
        const parent = byId.get(key.parentId)?.record;
        const at = now().getTime();
        if (parent === void 0 || parent.revokedAt !== void 0 || parent.expiresAt !== void 0 && parent.expiresAt.getTime() <= at) {
          throw new ParentApiKeyGoneError();
        }
        if (parent.expiresAt !== void 0 && (expiresAt === void 0 || parent.expiresAt < expiresAt)) expiresAt = parent.expiresAt;
      }
      const record = Object.freeze({
        ...key,
        expiresAt,
        scopes: Object.freeze([...key.scopes]),
        id: uuidv45(),
        createdAt: now(),
        lastUsedAt: void 0,
        revokedAt: void 0
      });
      byId.set(record.id, { record, sequence: sequence++ });
      idByHash.set(record.hash, record.id);
      if (key.parentId !== void 0) childrenOf.set(key.parentId, [...childrenOf.get(key.parentId) ?? [], record.id]);
      return record;
    },
    async findByHash(hash2) {
      const id = idByHash.get(hash2);
      return id === void 0 ? void 0 : byId.get(id)?.record;
    },
    async listByOwner(ownerId, page2) {
      const before = page2.cursor === void 0 ? Number.POSITIVE_INFINITY : Number(decodeCursor(page2.cursor, (position) => /^s:\d{1,15}$/.test(position)).slice(2));
      const owned = [...byId.values()].filter((entry) => entry.record.ownerId === ownerId && entry.record.revokedAt === void 0 && entry.sequence < before).sort((a, b) => b.sequence - a.sequence);
      const items = owned.slice(0, page2.limit);
      const last = items.at(-1);
      return {
        items: items.map((entry) => entry.record),
        nextCursor: owned.length > page2.limit && last !== void 0 ? encodeCursor(`s:${last.sequence}`) : null
      };
    },
    async revoke(ownerId, id, at) {
      const entry = byId.get(id);
      if (entry === void 0 || entry.record.ownerId !== ownerId) return void 0;
      revokeWithDescendants(id, at);
      return entry.record;
    },
    async revokeAllOfOwner(ownerId, at) {
      let revoked = 0;
      for (const entry of byId.values()) {
        if (entry.record.ownerId === ownerId && entry.record.revokedAt === void 0) revoked += revokeWithDescendants(entry.record.id, at);
      }
      return revoked;
    },
    async touchLastUsed(id, at, minIntervalMs) {
      const entry = byId.get(id);
      if (entry === void 0) return false;
      const last = entry.record.lastUsedAt;
      if (last !== void 0 && at.getTime() - last.getTime() < minIntervalMs) return false;
      entry.record = Object.freeze({ ...entry.record, lastUsedAt: at });
      return true;
    }
  };
}

// src/stores/redis/redis-api-key-store.ts
import { v4 as uuidv46 } from "uuid";

// src/stores/redis/api-key-store-scripts.ts
var CREATE_API_KEY = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('duplicate api key id') end
local expiresAt = ARGV[8]
if ARGV[10] ~= '' then
  local parent = redis.call('HMGET', KEYS[4], 'id', 'revokedAt', 'expiresAt')
  if not parent[1] or parent[2] then return 'parent_gone' end
  if parent[3] and parent[3] ~= '' then
    if tonumber(parent[3]) <= tonumber(ARGV[11]) then return 'parent_gone' end
    if expiresAt == '' or tonumber(parent[3]) < tonumber(expiresAt) then expiresAt = parent[3] end
  end
  redis.call('SADD', KEYS[5], ARGV[1])
  local parentTtl = redis.call('PTTL', KEYS[4])
  if parentTtl > 0 then redis.call('PEXPIRE', KEYS[5], parentTtl) end
end
local sequence = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'ownerId', ARGV[2], 'name', ARGV[3], 'prefix', ARGV[4], 'hash', ARGV[5],
  'scopes', ARGV[6], 'createdAt', ARGV[7], 'expiresAt', expiresAt, 'sequence', sequence, 'parentId', ARGV[10])
redis.call('ZADD', KEYS[2], sequence, ARGV[1])
if expiresAt ~= '' then redis.call('PEXPIREAT', KEYS[1], tonumber(expiresAt) + tonumber(ARGV[9])) end
return redis.call('HGETALL', KEYS[1])`;
var REVOKE_API_KEY_TREE = `
local at, retention = ARGV[1], tonumber(ARGV[2])
local known = {}
for index = 3, #ARGV do known[ARGV[index]] = true end
local count = #ARGV - 2
for index = 1, count do
  for _, child in ipairs(redis.call('SMEMBERS', KEYS[1 + index * 2])) do
    if not known[child] then return {'retry'} end
  end
end
local reply = {'ok', 0}
for index = 1, count do
  local record, children, id = KEYS[index * 2], KEYS[1 + index * 2], ARGV[2 + index]
  local fields = redis.call('HMGET', record, 'id', 'revokedAt', 'hash')
  if fields[1] and not fields[2] then
    redis.call('HSET', record, 'revokedAt', at)
    redis.call('PEXPIRE', record, retention)
    redis.call('ZREM', KEYS[1], id)
    reply[2] = reply[2] + 1
    reply[#reply + 1] = fields[3]
  end
  if redis.call('EXISTS', children) == 1 then redis.call('PEXPIRE', children, retention) end
end
return reply`;
var TOUCH_API_KEY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = redis.call('HGET', KEYS[1], 'lastUsedAt')
if last and tonumber(ARGV[1]) - tonumber(last) < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1`;

// src/stores/redis/redis-api-key-store.ts
var createScript = createRedisScript(CREATE_API_KEY);
var revokeTreeScript = createRedisScript(REVOKE_API_KEY_TREE);
var touchScript = createRedisScript(TOUCH_API_KEY);
var MAX_TREE_ATTEMPTS = 8;
var MAX_KNOWN_OWNERS = 1e4;
function createRedisApiKeyStore(options) {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const ownerTag = (ownerId) => `${keyPrefix}{o:${ownerId}}:`;
  const recordKey = (ownerId, id) => `${ownerTag(ownerId)}apikey:${id}`;
  const ownerKey = (ownerId) => `${ownerTag(ownerId)}apikeys`;
  const sequenceKey = (ownerId) => `${ownerTag(ownerId)}sequence`;
  const childrenKey = (ownerId, id) => `${ownerTag(ownerId)}children:${id}`;
  const hashKey = (hash2) => `${keyPrefix}apikey-hash:${hash2}`;
  const ownerOf = /* @__PURE__ */ new Map();
  const remember = (record) => {
    if (record === void 0) return record;
    ownerOf.delete(record.id);
    ownerOf.set(record.id, record.ownerId);
    if (ownerOf.size > MAX_KNOWN_OWNERS) ownerOf.delete(ownerOf.keys().next().value ?? "");
    return record;
  };
  const run = (command) => runOnRedis(command, "API key");
  async function readTree(ownerId, roots) {
    const ids = [...new Set(roots)];
    for (let index = 0; index < ids.length; index += 1) {
      const children = await run(() => redis.smembers(childrenKey(ownerId, ids[index] ?? "")));
      for (const child of children) if (!ids.includes(child)) ids.push(child);
    }
    return ids;
  }
  async function revokeTrees(ownerId, roots, at) {
    for (let attempt = 0; attempt < MAX_TREE_ATTEMPTS; attempt += 1) {
      const ids = await readTree(ownerId, await roots());
      if (ids.length === 0) return 0;
      const keys = [ownerKey(ownerId), ...ids.flatMap((id) => [recordKey(ownerId, id), childrenKey(ownerId, id)])];
      const reply = await run(() => revokeTreeScript.run(redis, keys, [String(at.getTime()), String(API_KEY_RETENTION_MS), ...ids]));
      const [status, count, ...hashes] = Array.isArray(reply) ? reply : [];
      if (status === "retry") continue;
      await run(() => Promise.all(hashes.map((hash2) => redis.pexpire(hashKey(String(hash2)), API_KEY_RETENTION_MS))));
      return Number(count);
    }
    return fail("keys kept being minted during the revocation");
  }
  return {
    async create(key) {
      const id = uuidv46();
      const createdAt = now().getTime();
      const parentId = key.parentId ?? "";
      const index = JSON.stringify([key.ownerId, id]);
      const claimed = await run(
        () => key.expiresAt === void 0 ? redis.set(hashKey(key.hash), index, "NX") : redis.set(hashKey(key.hash), index, "PXAT", key.expiresAt.getTime() + API_KEY_RETENTION_MS, "NX")
      );
      if (claimed !== "OK") fail("duplicate api key hash");
      const reply = await run(
        () => createScript.run(
          redis,
          [recordKey(key.ownerId, id), ownerKey(key.ownerId), sequenceKey(key.ownerId), recordKey(key.ownerId, parentId), childrenKey(key.ownerId, parentId)],
          [
            id,
            key.ownerId,
            key.name,
            key.prefix,
            key.hash,
            key.scopes.join(" "),
            String(createdAt),
            key.expiresAt === void 0 ? "" : String(key.expiresAt.getTime()),
            String(API_KEY_RETENTION_MS),
            parentId,
            String(now().getTime())
          ]
        )
      ).catch(async (error) => {
        await redis.del(hashKey(key.hash)).catch(() => 0);
        throw error;
      });
      if (reply === "parent_gone") {
        await run(() => redis.del(hashKey(key.hash)));
        throw new ParentApiKeyGoneError();
      }
      return remember(toRecord3(reply)) ?? fail("created key not found");
    },
    async findByHash(hash2) {
      const index = await run(() => redis.get(hashKey(hash2)));
      const pointer = parsePointer(index);
      if (pointer === void 0) return void 0;
      const record = toRecord3(await run(() => redis.hgetall(recordKey(pointer.ownerId, pointer.id))));
      if (record === void 0 || record.hash !== hash2) {
        await run(() => redis.del(hashKey(hash2)));
        return void 0;
      }
      return remember(record);
    },
    async listByOwner(ownerId, page2) {
      const before = page2.cursor === void 0 ? "+inf" : `(${decodeSequenceCursor(page2.cursor)}`;
      const entries = await run(
        () => redis.zrevrangebyscore(ownerKey(ownerId), before, "-inf", "WITHSCORES", "LIMIT", 0, page2.limit + 1)
      );
      const ids = [];
      for (let index = 0; index + 1 < entries.length; index += 2) {
        ids.push({ id: entries[index], sequence: entries[index + 1] });
      }
      const shown = ids.slice(0, page2.limit);
      const records = await run(() => Promise.all(shown.map(({ id }) => redis.hgetall(recordKey(ownerId, id)))));
      const items = records.flatMap((fields) => remember(toRecord3(fields)) ?? []);
      const gone = shown.filter((_entry, index) => toRecord3(records[index]) === void 0).map(({ id }) => id);
      if (gone.length > 0) await run(() => redis.zrem(ownerKey(ownerId), ...gone));
      const last = shown.at(-1);
      return { items, nextCursor: ids.length > page2.limit && last !== void 0 ? encodeSequenceCursor(Number(last.sequence)) : null };
    },
    async revoke(ownerId, id, at) {
      const exists = await run(() => redis.exists(recordKey(ownerId, id)));
      if (exists === 0) return void 0;
      await revokeTrees(ownerId, async () => [id], at);
      return remember(toRecord3(await run(() => redis.hgetall(recordKey(ownerId, id)))));
    },
    async revokeAllOfOwner(ownerId, at) {
      return revokeTrees(ownerId, () => run(() => redis.zrange(ownerKey(ownerId), 0, -1)), at);
    },
    async touchLastUsed(id, at, minIntervalMs) {
      const ownerId = ownerOf.get(id);
      if (ownerId === void 0) return false;
      const wrote = await run(() => touchScript.run(redis, [recordKey(ownerId, id)], [String(at.getTime()), String(minIntervalMs)]));
      return wrote === 1;
    }
  };
}
function parsePointer(index) {
  if (index === null) return void 0;
  try {
    const parsed = JSON.parse(index);
    if (Array.isArray(parsed) && typeof parsed[0] === "string" && typeof parsed[1] === "string") return { ownerId: parsed[0], id: parsed[1] };
  } catch {
  }
  return void 0;
}
function fail(message) {
  throw new StoreUnavailableError("API key", { cause: new Error(message) });
}
function toRecord3(reply) {
  const fields = Array.isArray(reply) ? pairs(reply) : reply;
  if (fields === void 0 || fields["id"] === void 0) return void 0;
  const date = (value) => value === void 0 || value === "" ? void 0 : new Date(Number(value));
  const scopes = (fields["scopes"] ?? "").split(" ").filter((scope) => isScope(scope));
  return Object.freeze({
    id: fields["id"],
    ownerId: fields["ownerId"] ?? "",
    name: fields["name"] ?? "",
    prefix: fields["prefix"] ?? "",
    hash: fields["hash"] ?? "",
    scopes: Object.freeze(scopes),
    createdAt: date(fields["createdAt"]) ?? /* @__PURE__ */ new Date(0),
    expiresAt: date(fields["expiresAt"]),
    lastUsedAt: date(fields["lastUsedAt"]),
    revokedAt: date(fields["revokedAt"]),
    parentId: fields["parentId"] === void 0 || fields["parentId"] === "" ? void 0 : fields["parentId"]
  });
}
function pairs(flat) {
  const fields = {};
  for (let index = 0; index + 1 < flat.length; index += 2) fields[String(flat[index])] = String(flat[index + 1]);
  return fields;
}

// src/stores/create-api-key-store.ts
function createApiKeyStore(config, options) {
  if (config.store.kind === "redis") {
    if (options.redis === void 0) throw new Error("GATEHOUSE_STORE=redis needs a Redis connection");
    return createRedisApiKeyStore({ redis: options.redis, keyPrefix: config.store.keyPrefix, now: options.now });
  }
  return createMemoryApiKeyStore({ now: options.now });
}

// src/stores/redis/redis-connection.ts
import { Cluster, Redis } from "ioredis";
var REDIS_COMMAND_TIMEOUT_MS = 250;
function createRedisConnection(options) {
  const commandTimeout = options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS;
  const redis = options.clusterNodes === void 0 ? new Redis(options.url, standaloneOptions(commandTimeout)) : new Cluster(options.clusterNodes.map((node) => ({ host: node.host, port: node.port })), clusterOptions(commandTimeout));
  let reportedDown = false;
  redis.on("error", (error) => {
    if (!reportedDown) options.logger.error({ reason: error.message }, "redis unavailable");
    reportedDown = true;
  });
  redis.on("ready", () => {
    if (reportedDown) options.logger.info("redis available again");
    reportedDown = false;
  });
  return redis;
}
function standaloneOptions(commandTimeout) {
  return {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1e3,
    commandTimeout,
    enableAutoPipelining: true,
    // Reconnect with a capped backoff forever: Redis coming back must heal the server by itself.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2e3)
  };
}
function clusterOptions(commandTimeout) {
  return {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    // Auto-pipelining groups commands by the node of their first argument; for EVAL/EVALSHA that is the script,
    // not a key, so a script would join a pipeline bound for another node and the whole batch be refused.
    autoPipeliningIgnoredCommands: ["eval", "evalsha"],
    scaleReads: "master",
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: 1e3,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2e3),
    redisOptions: { connectTimeout: 1e3, commandTimeout, maxRetriesPerRequest: 1 }
  };
}
async function waitForRedis(redis, timeoutMs = 5e3) {
  if (redis.status === "ready") return;
  let lastError = "no answer";
  await new Promise((resolve2, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new StartupError(
          `cannot reach ${describeTarget(redis)} (${lastError}) within ${timeoutMs / 1e3} s: ` + (redis instanceof Cluster ? "start the cluster, or set REDIS_CLUSTER_NODES to where it runs" : "start Redis there, or set REDIS_URL to where it runs")
        )
      );
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve2();
    };
    const onError = (error) => {
      lastError = error.message || error.code || error.name;
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("error", onError);
    };
    redis.on("ready", onReady);
    redis.on("error", onError);
  });
}
function describeTarget(redis) {
  if (redis instanceof Cluster) return "the Redis Cluster of REDIS_CLUSTER_NODES";
  const { host, port: port2, tls } = redis.options;
  return `Redis at ${tls === void 0 ? "redis" : "rediss"}://${host ?? "127.0.0.1"}:${port2 ?? 6379}`;
}

// src/ratelimit/policies.ts
var DEFAULT_POLICY_NAMES = { public: "public", authenticated: "authenticated" };
function resolvePolicy(contract, limits) {
  const declared = contract.rateLimit;
  if (declared === "none") return void 0;
  if (declared !== void 0) {
    return {
      name: declared.name,
      points: declared.points,
      durationSeconds: declared.durationSeconds,
      blockDurationSeconds: declared.blockDurationSeconds ?? 0,
      key: declared.key,
      cost: declared.cost ?? 1
    };
  }
  const isPublic2 = contract.auth === "public";
  const budget2 = isPublic2 ? limits.public : limits.authenticated;
  return {
    name: isPublic2 ? DEFAULT_POLICY_NAMES.public : DEFAULT_POLICY_NAMES.authenticated,
    points: budget2.points,
    durationSeconds: budget2.durationSeconds,
    blockDurationSeconds: 0,
    key: isPublic2 ? "ip" : "principal",
    cost: 1
  };
}
function resolvePolicyTable(limits, tree = contracts) {
  const table = /* @__PURE__ */ new Map();
  const byName = /* @__PURE__ */ new Map();
  for (const { path, contract } of listProcedures(tree)) {
    const policy = resolvePolicy(contract, limits);
    if (policy !== void 0) {
      if (!Number.isInteger(policy.cost) || policy.cost < 1 || policy.cost > policy.points) {
        throw new RangeError(`rate limit of ${path}: cost must be an integer from 1 to its points (${policy.points})`);
      }
      const twin = byName.get(policy.name);
      if (twin !== void 0 && (twin.points !== policy.points || twin.durationSeconds !== policy.durationSeconds || twin.key !== policy.key)) {
        throw new RangeError(`rate limit name "${policy.name}" is declared with two different budgets`);
      }
      byName.set(policy.name, policy);
    }
    table.set(path, policy);
  }
  return table;
}

// src/ratelimit/request-rate-limit.ts
function createRequestRateLimit(options) {
  return new BatchRateLimit(options);
}
var BatchRateLimit = class {
  #options;
  #groups;
  #refusalsReported;
  #tightest;
  constructor(options) {
    this.#options = options;
  }
  async charge(policy, key) {
    const groupId = `${policy.name}\0${key}`;
    this.#groups ??= /* @__PURE__ */ new Map();
    let group = this.#groups.get(groupId);
    if (group === void 0) {
      group = this.#reserve(policy, key);
      this.#groups.set(groupId, group);
    }
    const outcome = await group;
    if (outcome.allowed) return outcome;
    this.#refusalsReported ??= /* @__PURE__ */ new Set();
    const firstRefusal = !this.#refusalsReported.has(groupId);
    if (firstRefusal) this.#refusalsReported.add(groupId);
    return { ...outcome, firstRefusal };
  }
  consider(snapshot) {
    if (!isTighter(snapshot, this.#tightest)) return false;
    this.#tightest = snapshot;
    return true;
  }
  #costOfGroup(policy) {
    let batched = 0;
    for (const path of this.#options.calls) if (this.#options.policyForPath(path)?.name === policy.name) batched += policy.cost;
    return Math.max(batched, policy.cost);
  }
  async #reserve(policy, key) {
    const limiter = this.#options.limiterFor(policy);
    const cost = this.#costOfGroup(policy);
    try {
      return { allowed: true, snapshot: snapshotOf(policy, await limiter.consume(key, cost), false), firstRefusal: false };
    } catch (rejection) {
      if (!isLimitHit(rejection)) throw rejection;
      const hadRoom = rejection.consumedPoints - cost < policy.points;
      if (hadRoom && cost > 1 && policy.blockDurationSeconds === 0) await limiter.reward(key, cost);
      return { allowed: false, snapshot: snapshotOf(policy, rejection, true), firstRefusal: false };
    }
  }
};

// src/ratelimit/rate-limits.ts
async function createRateLimits(config, options) {
  const table = resolvePolicyTable(config.limits);
  let ownConnection;
  let backend = { kind: "memory" };
  if (config.rateLimitStore.kind === "redis") {
    const shared = config.store.kind === "redis" && config.store.url === config.rateLimitStore.url ? options.redis : void 0;
    let redis = shared;
    if (redis === void 0) {
      ownConnection = createRedisConnection({
        url: config.rateLimitStore.url,
        clusterNodes: config.rateLimitStore.clusterNodes,
        logger: options.logger,
        commandTimeoutMs: config.redisCommandTimeoutMs
      });
      redis = ownConnection;
      await waitForRedis(redis).catch(async (error) => {
        ownConnection?.disconnect();
        throw error;
      });
    }
    backend = { kind: "redis", redis, keyPrefix: config.rateLimitStore.keyPrefix, onFallback: createFallbackReporter(options.logger) };
  }
  const limiters = /* @__PURE__ */ new Map();
  const limiterFor = (policy) => {
    let limiter = limiters.get(policy.name);
    if (limiter === void 0) {
      limiter = createLimiter(policy, backend);
      limiters.set(policy.name, limiter);
    }
    return limiter;
  };
  for (const policy of table.values()) if (policy !== void 0) limiterFor(policy);
  const policyForPath = (path) => table.get(path);
  const contractPolicies = /* @__PURE__ */ new WeakMap();
  const policyFor = (contract) => {
    if (contractPolicies.has(contract)) return contractPolicies.get(contract);
    const policy = resolvePolicy(contract, config.limits);
    contractPolicies.set(contract, policy);
    return policy;
  };
  return {
    store: backend.kind,
    policyFor,
    policyForPath,
    limiterFor,
    forRequest: (calls) => createRequestRateLimit({ calls, policyForPath, limiterFor }),
    login: createLoginGuard(config.loginLimits, backend),
    refusals: createRefusalBudgets(config.refusalLimits, backend),
    async close() {
      if (ownConnection !== void 0) await ownConnection.quit().catch(() => ownConnection?.disconnect());
    }
  };
}

// src/abuse/credential-stuffing.ts
import { createHash as createHash3 } from "node:crypto";

// src/abuse/abuse-counter.ts
function createAbuseCounter(backend, options) {
  const spec = {
    name: options.name,
    points: options.points,
    durationSeconds: options.durationSeconds,
    blockDurationSeconds: options.blockDurationSeconds ?? 0
  };
  if (backend.kind === "memory") return createLimiter(spec, backend, "abuse");
  const onStoreError = backend.onStoreError ?? (() => {
  });
  return createLimiter(spec, { kind: "redis", redis: backend.redis, keyPrefix: backend.keyPrefix, onFallback: () => onStoreError() }, "abuse");
}
async function consumePoint(counter, key) {
  try {
    return { exceeded: false, res: await counter.consume(key) };
  } catch (rejection) {
    if (isLimitHit(rejection)) return { exceeded: true, res: rejection };
    throw rejection;
  }
}

// src/abuse/credential-stuffing.ts
var STRICT_LOGIN_POLICY_NAME = "auth.login:credential-stuffing";
var UNBOUNDED = Number.MAX_SAFE_INTEGER;
var GLOBAL_KEY = "all";
function createCredentialStuffingDetector(options) {
  const { config, backend, events } = options;
  const window = { points: UNBOUNDED, durationSeconds: config.windowSeconds };
  const failures = createAbuseCounter(backend, { name: "stuffing:failures", ...window });
  const emailSeen = createAbuseCounter(backend, { name: "stuffing:email-seen", ...window });
  const ipSeen = createAbuseCounter(backend, { name: "stuffing:ip-seen", ...window });
  const distinctEmails = createAbuseCounter(backend, { name: "stuffing:emails", ...window });
  const distinctIps = createAbuseCounter(backend, { name: "stuffing:ips", ...window });
  const strictMode = createAbuseCounter(backend, { name: "stuffing:strict", points: 1, durationSeconds: config.strictSeconds });
  const strictPerIp = createAbuseCounter(backend, {
    name: "stuffing:strict-ip",
    points: config.strictLimit.points,
    durationSeconds: config.strictLimit.durationSeconds
  });
  async function countDistinct(seen, distinct, value) {
    const first = await seen.consume(fingerprint(value));
    if (first.consumedPoints === 1) return (await distinct.consume(GLOBAL_KEY)).consumedPoints;
    return (await distinct.get(GLOBAL_KEY))?.consumedPoints ?? 0;
  }
  async function isStuffingActive() {
    const state = await strictMode.get(GLOBAL_KEY);
    return state !== null && state.consumedPoints >= 1 && state.msBeforeNext > 0;
  }
  async function recordFailure(event) {
    const email = typeof event.details["email"] === "string" ? event.details["email"] : "";
    const [total, emails, ips] = await Promise.all([
      failures.consume(GLOBAL_KEY).then((res) => res.consumedPoints),
      countDistinct(emailSeen, distinctEmails, email),
      countDistinct(ipSeen, distinctIps, event.ip)
    ]);
    if (total < config.failures || emails < config.distinctEmails || ips < config.distinctIps) return;
    const { exceeded } = await consumePoint(strictMode, GLOBAL_KEY);
    if (exceeded) return;
    events.emit("abuse.credential_stuffing", { ip: event.ip, requestId: event.requestId, principal: void 0 }, {
      failures: total,
      distinctEmails: emails,
      distinctIps: ips,
      windowSeconds: config.windowSeconds,
      strictSeconds: config.strictSeconds
    });
  }
  return {
    async record(event) {
      if (event.type === "login.failed") await recordFailure(event);
    },
    isStuffingActive,
    async loginPolicy() {
      return await isStuffingActive() ? { mode: "strict", perIp: config.strictLimit } : { mode: "normal" };
    },
    async admitLogin(ip) {
      if (!await isStuffingActive()) return void 0;
      const { exceeded, res } = await consumePoint(strictPerIp, clientKey(ip));
      if (!exceeded) return void 0;
      const policy = { name: STRICT_LOGIN_POLICY_NAME, ...config.strictLimit, blockDurationSeconds: 0 };
      return snapshotOf(policy, res, true);
    }
  };
}
function fingerprint(value) {
  return createHash3("sha256").update(value).digest("base64url").slice(0, 22);
}

// src/abuse/enumeration.ts
var ENUMERATION_POLICY_NAME = "abuse.enumeration";
function createEnumerationDetector(options) {
  const { config, backend, events } = options;
  const misses = createAbuseCounter(backend, {
    name: "enumeration",
    points: config.misses,
    durationSeconds: config.windowSeconds,
    blockDurationSeconds: config.blockSeconds
  });
  const policy = {
    name: ENUMERATION_POLICY_NAME,
    points: config.misses,
    durationSeconds: config.windowSeconds,
    blockDurationSeconds: config.blockSeconds
  };
  return {
    async blockFor(subjects) {
      for (const subject of subjects) {
        const state = await misses.get(subject);
        if (state !== null && state.consumedPoints > config.misses && state.msBeforeNext > 0) return snapshotOf(policy, state, true);
      }
      return void 0;
    },
    async recordMiss(subjects, origin, path) {
      for (const subject of subjects) {
        const { exceeded, res } = await consumePoint(misses, subject);
        if (exceeded && res.consumedPoints === config.misses + 1) {
          events.emit("abuse.enumeration", origin, {
            subject,
            path,
            misses: res.consumedPoints,
            windowSeconds: config.windowSeconds,
            blockSeconds: config.blockSeconds
          });
        }
      }
    }
  };
}

// src/abuse/create-abuse-detection.ts
function createAbuseDetection(options) {
  const { config, redis, events } = options;
  const backend = config.store.kind === "redis" && redis !== void 0 ? { kind: "redis", redis, keyPrefix: config.store.keyPrefix, ...options.onStoreError === void 0 ? {} : { onStoreError: options.onStoreError } } : { kind: "memory" };
  const stuffing = createCredentialStuffingDetector({ config: config.abuse.stuffing, backend, events });
  events.addSink(stuffing);
  return { stuffing, enumeration: createEnumerationDetector({ config: config.abuse.enumeration, backend, events }) };
}

// src/audit/create-audit-log.ts
import { randomBytes as randomBytes2 } from "node:crypto";

// src/audit/audit-chain.ts
import { createHmac, timingSafeEqual as timingSafeEqual2 } from "node:crypto";
var GENESIS_HASH = "0".repeat(64);
var MIN_AUDIT_KEY_BYTES = 32;
function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, entry]) => entry !== void 0).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
var EMPTY_HEAD = { sequence: -1, hash: GENESIS_HASH };
var NOTHING_TRIMMED = { sequence: 0, previousHash: GENESIS_HASH };
function createAuditChain(key) {
  if (key.byteLength < MIN_AUDIT_KEY_BYTES) throw new RangeError(`An audit key has at least ${MIN_AUDIT_KEY_BYTES} bytes`);
  const secret = Buffer.from(key);
  const mac = (label, content) => createHmac("sha256", secret).update(`${label}
${content}`, "utf8").digest("hex");
  function hash2(record) {
    const { sequence, time, type, ip, principal, requestId, details, count, lastTime, previousHash } = record;
    return mac("record", canonicalJson({ sequence, time, type, ip, principal, requestId, details, count, lastTime, previousHash }));
  }
  function sealed(label, sequence, hashed) {
    return `${sequence}:${hashed}:${mac(label, `${sequence}:${hashed}`)}`;
  }
  function opened(label, text) {
    const match = /^(\d{1,15}):([0-9a-f]{64}):([0-9a-f]{64})$/.exec(text);
    if (match === null) return "invalid";
    const [, sequence = "", hashed = "", tag = ""] = match;
    const expected = Buffer.from(mac(label, `${sequence}:${hashed}`), "hex");
    if (!timingSafeEqual2(expected, Buffer.from(tag, "hex"))) return "invalid";
    return { sequence: Number(sequence), hash: hashed };
  }
  return {
    hash: hash2,
    seal(event, sequence, previousHash) {
      const unsealed = {
        sequence,
        time: event.time,
        type: event.type,
        ip: event.ip,
        principal: event.principal ?? null,
        requestId: event.requestId,
        details: { ...event.details },
        ...event.count === void 0 ? {} : { count: event.count },
        ...event.lastTime === void 0 ? {} : { lastTime: event.lastTime },
        previousHash
      };
      return { ...unsealed, hash: hash2(unsealed) };
    },
    formatHead: (head) => sealed("head", head.sequence, head.hash),
    parseHead: (text) => opened("head", text),
    formatLowWater: (mark) => sealed("low-water", mark.sequence, mark.previousHash),
    parseLowWater(text) {
      const mark = opened("low-water", text);
      return mark === "invalid" ? mark : { sequence: mark.sequence, previousHash: mark.hash };
    }
  };
}
function createChainVerifier(chain, start) {
  let previous;
  let checkedFrom = null;
  let checked = 0;
  let firstBreak = null;
  const lowWater = start.lowWater === "invalid" ? NOTHING_TRIMMED : start.lowWater;
  if (start.lowWater === "invalid") firstBreak = { sequence: 0, reason: "low_water_mismatch" };
  function checkTail(head) {
    const storedHeadSequence = head === void 0 || head === "invalid" ? -1 : head.sequence;
    const expectedNext = previous === void 0 ? lowWater.sequence : previous.sequence + 1;
    if (head === "invalid" || head === void 0 && expectedNext !== 0) {
      firstBreak = { sequence: expectedNext, reason: "head_mismatch" };
    } else if (head !== void 0 && previous === void 0 && head.sequence + 1 !== lowWater.sequence) {
      firstBreak = { sequence: lowWater.sequence, reason: "head_mismatch" };
    } else if (head !== void 0 && previous !== void 0 && (previous.sequence !== head.sequence || previous.hash !== head.hash)) {
      firstBreak = { sequence: previous.sequence < head.sequence ? previous.sequence + 1 : previous.sequence, reason: "head_mismatch" };
    } else if (storedHeadSequence < start.highestKnown) {
      firstBreak = { sequence: storedHeadSequence + 1, reason: "head_mismatch" };
    }
  }
  return {
    /** Returns false once the chain is broken: callers may stop reading. */
    check(record) {
      if (firstBreak !== null) return false;
      checked += 1;
      checkedFrom ??= record.sequence;
      if (previous === void 0 && record.sequence > lowWater.sequence) {
        firstBreak = { sequence: lowWater.sequence, reason: "start_missing" };
      } else if (previous === void 0 && record.sequence < lowWater.sequence) {
        firstBreak = { sequence: record.sequence, reason: "low_water_mismatch" };
      } else if (chain.hash(record) !== record.hash) {
        firstBreak = { sequence: record.sequence, reason: "hash_mismatch" };
      } else if (previous === void 0 && record.previousHash !== lowWater.previousHash) {
        firstBreak = { sequence: record.sequence, reason: "previous_hash_mismatch" };
      } else if (previous !== void 0 && record.sequence !== previous.sequence + 1) {
        firstBreak = { sequence: record.sequence, reason: "sequence_gap" };
      } else if (previous !== void 0 && record.previousHash !== previous.hash) {
        firstBreak = { sequence: record.sequence, reason: "previous_hash_mismatch" };
      }
      previous = record;
      return firstBreak === null;
    },
    /** A stored entry that no longer reads as a record at all: edited, so a break where it stands. */
    unreadable() {
      if (firstBreak === null) {
        checked += 1;
        firstBreak = { sequence: previous === void 0 ? lowWater.sequence : previous.sequence + 1, reason: "hash_mismatch" };
      }
      return false;
    },
    /** The newest record seen so far, or undefined. */
    newestSequence() {
      return previous?.sequence;
    },
    result(head) {
      if (firstBreak === null) checkTail(head);
      return { intact: firstBreak === null, checked, checkedFrom, trimmedBefore: lowWater.sequence, firstBreak };
    }
  };
}

// src/stores/audit-log-store.ts
function matchesAuditFilter(record, filter) {
  return (filter.type === void 0 || record.type === filter.type) && (filter.principal === void 0 || record.principal === filter.principal);
}
var AuditChainHeadError = class extends Error {
  constructor(problem) {
    super(`The audit log head is ${problem}: appends stop until admin.auditLog.verify is clean again`);
    this.name = "AuditChainHeadError";
  }
};

// src/stores/memory/ring-buffer.ts
var RingBuffer = class {
  constructor(capacity) {
    this.capacity = capacity;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("A ring buffer holds at least one item");
    this.#items = new Array(capacity);
  }
  capacity;
  #items;
  #start = 0;
  #size = 0;
  get size() {
    return this.#size;
  }
  /** Adds an item at the newest end; returns the oldest item when it had to make room. */
  push(item) {
    if (this.#size < this.capacity) {
      this.#items[(this.#start + this.#size) % this.capacity] = item;
      this.#size += 1;
      return void 0;
    }
    const evicted = this.#items[this.#start];
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
    return evicted;
  }
  /** Removes and returns the oldest item. */
  shift() {
    if (this.#size === 0) return void 0;
    const oldest = this.#items[this.#start];
    this.#items[this.#start] = void 0;
    this.#start = (this.#start + 1) % this.capacity;
    this.#size -= 1;
    return oldest;
  }
  /** The item at `index`, 0 being the oldest. */
  at(index) {
    if (index < 0 || index >= this.#size) return void 0;
    return this.#items[(this.#start + index) % this.capacity];
  }
  /** Replaces the item at `index` (0 = oldest), as storage that can be edited behind a store's back. */
  set(index, item) {
    if (index < 0 || index >= this.#size) throw new RangeError(`No item at ${index}`);
    this.#items[(this.#start + index) % this.capacity] = item;
  }
  /** Removes the item at `index` (0 = oldest), closing the gap. */
  removeAt(index) {
    if (index < 0 || index >= this.#size) throw new RangeError(`No item at ${index}`);
    for (let position = index; position < this.#size - 1; position += 1) {
      this.#items[(this.#start + position) % this.capacity] = this.#items[(this.#start + position + 1) % this.capacity];
    }
    this.#items[(this.#start + this.#size - 1) % this.capacity] = void 0;
    this.#size -= 1;
  }
  *oldestFirst() {
    for (let index = 0; index < this.#size; index += 1) yield this.at(index);
  }
  *newestFirst() {
    for (let index = this.#size - 1; index >= 0; index -= 1) yield this.at(index);
  }
};

// src/stores/memory/memory-audit-log-store.ts
var MEMORY_AUDIT_LOG_CAPACITY = 1e5;
function createMemoryAuditLogStore(options) {
  const { chain } = options;
  const ring = options.ring ?? new RingBuffer(options.capacity ?? MEMORY_AUDIT_LOG_CAPACITY);
  let head = EMPTY_HEAD;
  let lowWater = NOTHING_TRIMMED;
  function removeOldest(count) {
    let removed = 0;
    while (removed < count) {
      const oldest = ring.shift();
      if (oldest === void 0) break;
      lowWater = { sequence: oldest.sequence + 1, previousHash: oldest.hash };
      removed += 1;
    }
    return removed;
  }
  return {
    async append(event) {
      if (ring.size === ring.capacity) {
        const removed = removeOldest(Math.max(1, Math.floor(ring.capacity / 10)));
        options.onCapacityTrim?.({ removed, trimmedBefore: lowWater.sequence });
      }
      const record = chain.seal(event, head.sequence + 1, head.hash);
      ring.push(record);
      head = { sequence: record.sequence, hash: record.hash };
      return record;
    },
    async list(filter, page2) {
      const before = page2.cursor === void 0 ? Number.POSITIVE_INFINITY : decodeSequenceCursor2(page2.cursor);
      const items = [];
      let more = false;
      for (const record of ring.newestFirst()) {
        if (record.sequence >= before || !matchesAuditFilter(record, filter)) continue;
        if (items.length === page2.limit) {
          more = true;
          break;
        }
        items.push(record);
      }
      const last = items.at(-1);
      return { items, nextCursor: more && last !== void 0 ? encodeSequenceCursor2(last.sequence) : null };
    },
    async verify() {
      const verifier = createChainVerifier(chain, { lowWater, highestKnown: head.sequence });
      for (const record of ring.oldestFirst()) if (!verifier.check(record)) break;
      return verifier.result(head === EMPTY_HEAD ? void 0 : head);
    },
    async trimBefore(before) {
      const cutoff = before.getTime();
      let expired = 0;
      let expected = lowWater;
      for (const record of ring.oldestFirst()) {
        const holds = record.sequence === expected.sequence && record.previousHash === expected.previousHash && chain.hash(record) === record.hash;
        if (!holds || Date.parse(record.time) >= cutoff) break;
        expected = { sequence: record.sequence + 1, previousHash: record.hash };
        expired += 1;
      }
      return { removed: removeOldest(expired), trimmedBefore: lowWater.sequence };
    }
  };
}
function encodeSequenceCursor2(sequence) {
  return encodeCursor(`a:${sequence}`);
}
function decodeSequenceCursor2(cursor) {
  return Number(decodeCursor(cursor, (position) => /^a:\d{1,15}$/.test(position)).slice(2));
}

// src/stores/redis/redis-audit-log-store.ts
var APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
redis.call('XADD', KEYS[1], '*', 'r', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return {1, ''}
`;
var appendScript = createRedisScript(APPEND_SCRIPT);
var TRIM_SCRIPT = `
local mark = redis.call('GET', KEYS[2]) or ''
if mark ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[2], ARGV[2])
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[3])
`;
var trimScript = createRedisScript(TRIM_SCRIPT);
var MAX_APPEND_ATTEMPTS = 20;
var SCAN_CHUNK = 200;
var MAX_TAIL_CATCH_UPS = 5;
var AuditAppendConflictError = class extends Error {
  constructor() {
    super(`The audit log head kept moving: gave up after ${MAX_APPEND_ATTEMPTS} attempts`);
    this.name = "AuditAppendConflictError";
  }
};
function createRedisAuditLogStore(options) {
  const { redis, chain } = options;
  const streamKey = `${options.keyPrefix}{audit}:log`;
  const headKey = `${options.keyPrefix}{audit}:head`;
  const lowWaterKey = `${options.keyPrefix}{audit}:low-water`;
  let knownHead;
  let highestKnown = -1;
  let queue = Promise.resolve();
  async function readHeadText() {
    const replies = await redis.multi().get(headKey).xlen(streamKey).exists(lowWaterKey).exec();
    const [headReply, lengthReply, markReply] = replies ?? [];
    const failure = headReply?.[0] ?? lengthReply?.[0] ?? markReply?.[0];
    if (failure) throw failure;
    const text = headReply?.[1] ?? "";
    const length = lengthReply?.[1];
    const marked = markReply?.[1];
    if (text === "" && (length > 0 || marked > 0 || highestKnown >= 0)) throw new AuditChainHeadError("missing");
    return text;
  }
  function currentHead(text) {
    if (text === "") return EMPTY_HEAD;
    const head = chain.parseHead(text);
    if (head === "invalid") throw new AuditChainHeadError("invalid");
    if (head.sequence < highestKnown) throw new AuditChainHeadError("rewound");
    return head;
  }
  async function appendNow(event) {
    let read = knownHead === void 0;
    let text = knownHead ?? await readHeadText();
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
      if (text === "" && !read) text = await readHeadText();
      read = false;
      const previous = currentHead(text);
      const record = chain.seal(event, previous.sequence + 1, previous.hash);
      const next = chain.formatHead(record);
      const [appended, actual] = await appendScript.run(redis, [streamKey, headKey], [text, next, JSON.stringify(record)]);
      if (appended === 1) {
        knownHead = next;
        highestKnown = Math.max(highestKnown, record.sequence);
        return record;
      }
      text = actual;
    }
    knownHead = void 0;
    throw new AuditAppendConflictError();
  }
  async function readAnchors() {
    const replies = await redis.multi().get(lowWaterKey).xrange(streamKey, "-", "+", "COUNT", SCAN_CHUNK).exec();
    const [markReply, firstReply] = replies ?? [];
    if (markReply?.[0] || firstReply?.[0]) throw markReply?.[0] ?? firstReply?.[0];
    const mark = markReply?.[1];
    return { lowWater: mark === null ? NOTHING_TRIMMED : chain.parseLowWater(mark), first: firstReply?.[1] };
  }
  async function verifyOnce() {
    const anchors = await readAnchors();
    const verifier = createChainVerifier(chain, { lowWater: anchors.lowWater, highestKnown });
    let entries = anchors.first;
    let lastId;
    let head;
    for (let catchUps = 0; ; catchUps += 1) {
      for (; ; ) {
        for (const [id, fields] of entries) {
          const record = parseEntry(fields);
          lastId = id;
          const holds = record === void 0 ? verifier.unreadable() : verifier.check(record);
          if (!holds) return verifier.result(void 0);
        }
        if (entries.length < SCAN_CHUNK || lastId === void 0) break;
        entries = await redis.xrange(streamKey, `(${lastId}`, "+", "COUNT", SCAN_CHUNK);
      }
      const text = await redis.get(headKey);
      head = text === null ? void 0 : chain.parseHead(text);
      const newest = verifier.newestSequence() ?? -1;
      if (head === void 0 || head === "invalid" || head.sequence <= newest || catchUps === MAX_TAIL_CATCH_UPS) break;
      entries = await redis.xrange(streamKey, lastId === void 0 ? "-" : `(${lastId}`, "+", "COUNT", SCAN_CHUNK);
    }
    if (head !== void 0 && head !== "invalid") highestKnown = Math.max(highestKnown, head.sequence);
    return verifier.result(head);
  }
  return {
    append(event) {
      const result = queue.then(() => appendNow(event));
      queue = result.catch(() => {
        knownHead = void 0;
      });
      return result;
    },
    async list(filter, page2) {
      let end = page2.cursor === void 0 ? "+" : `(${decodeStreamCursor(page2.cursor)}`;
      const items = [];
      let more = false;
      scan: for (; ; ) {
        const entries = await redis.xrevrange(streamKey, end, "-", "COUNT", SCAN_CHUNK);
        for (const [id, fields] of entries) {
          const record = parseEntry(fields);
          if (record === void 0 || !matchesAuditFilter(record, filter)) continue;
          if (items.length === page2.limit) {
            more = true;
            break scan;
          }
          items.push({ id, record });
        }
        const oldest = entries.at(-1);
        if (entries.length < SCAN_CHUNK || oldest === void 0) break;
        end = `(${oldest[0]}`;
      }
      const last = items.at(-1);
      return {
        items: items.map((item) => item.record),
        nextCursor: more && last !== void 0 ? encodeCursor(`x:${last.id}`) : null
      };
    },
    async verify() {
      const first = await verifyOnce();
      return first.intact ? first : verifyOnce();
    },
    async trimBefore(before) {
      const cutoff = before.getTime();
      const markText = await redis.get(lowWaterKey);
      const mark = markText === null ? NOTHING_TRIMMED : chain.parseLowWater(markText);
      if (mark === "invalid") return { removed: 0, trimmedBefore: 0 };
      let expected = mark;
      let lastExpiredId;
      let start = "-";
      scan: for (; ; ) {
        const entries = await redis.xrange(streamKey, start, "+", "COUNT", SCAN_CHUNK);
        for (const [id, fields] of entries) {
          const record = parseEntry(fields);
          const holds = record !== void 0 && record.sequence === expected.sequence && record.previousHash === expected.previousHash && chain.hash(record) === record.hash;
          if (!holds || Date.parse(record.time) >= cutoff) break scan;
          expected = { sequence: record.sequence + 1, previousHash: record.hash };
          lastExpiredId = id;
        }
        const newest = entries.at(-1);
        if (entries.length < SCAN_CHUNK || newest === void 0) break;
        start = `(${newest[0]}`;
      }
      if (lastExpiredId === void 0) return { removed: 0, trimmedBefore: mark.sequence };
      const removed = await trimScript.run(redis, [streamKey, lowWaterKey], [markText ?? "", chain.formatLowWater(expected), idAfter(lastExpiredId)]);
      if (removed < 0) return { removed: 0, trimmedBefore: mark.sequence };
      return { removed, trimmedBefore: expected.sequence };
    }
  };
}
function idAfter(id) {
  const [ms = "0", seq = "0"] = id.split("-");
  return `${ms}-${(BigInt(seq) + 1n).toString()}`;
}
function parseEntry(fields) {
  const index = fields.indexOf("r");
  const raw = index === -1 ? void 0 : fields[index + 1];
  if (raw === void 0) return void 0;
  try {
    const parsed = auditRecordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : void 0;
  } catch {
    return void 0;
  }
}
function decodeStreamCursor(cursor) {
  return decodeCursor(cursor, (position) => /^x:\d{1,20}-\d{1,20}$/.test(position)).slice(2);
}

// src/stores/create-audit-log-store.ts
function createAuditLogStore(config, options) {
  if (config.store.kind === "redis") {
    if (options.redis === void 0) throw new Error("GATEHOUSE_STORE=redis needs a Redis connection");
    return createRedisAuditLogStore({ redis: options.redis, keyPrefix: config.store.keyPrefix, chain: options.chain });
  }
  return createMemoryAuditLogStore({ chain: options.chain, onCapacityTrim: options.onCapacityTrim });
}

// src/audit/audit-log-sink.ts
function createAuditLogSink(store, metrics) {
  return {
    async record(event) {
      try {
        await store.append(event);
      } catch (error) {
        metrics.storeErrors.inc({ store: "audit_log", operation: "append" });
        throw error;
      }
    }
  };
}

// src/audit/audit-retention.ts
function reportTrim(deps, reason, trim) {
  if (trim.removed === 0) return;
  deps.metrics.auditRecordsTrimmed.inc({ reason }, trim.removed);
  deps.events.emit("audit.trimmed", SERVER_ORIGIN, { reason, removed: trim.removed, trimmedBefore: trim.trimmedBefore });
}
function startAuditRetention(options) {
  const { store, retentionSeconds, now } = options;
  let running;
  const runOnce = () => {
    running ??= store.trimBefore(new Date(now() - retentionSeconds * 1e3)).then((trim) => {
      reportTrim(options, "retention", trim);
      return trim;
    }).finally(() => {
      running = void 0;
    });
    return running;
  };
  const intervalMs = Math.min(Math.max(retentionSeconds * 1e3 / 10, 1e3), 6e4);
  const timer = setInterval(() => {
    runOnce().catch((error) => {
      options.metrics.storeErrors.inc({ store: "audit_log", operation: "trim" });
      options.logger.error({ err: error }, "audit log retention failed");
    });
  }, intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}

// src/audit/refusal-aggregator.ts
var AGGREGATED = {
  "authz.denied": ["path", "reason"],
  "ratelimit.exceeded": ["path", "policy"],
  "login.blocked": ["policy"]
};
var MAX_OPEN_WINDOWS = 1e4;
function createRefusalAggregator(inner, options) {
  const windows = /* @__PURE__ */ new Map();
  const maxOpen = options.maxOpenWindows ?? MAX_OPEN_WINDOWS;
  async function close(key, window) {
    if (windows.get(key) === window) windows.delete(key);
    const { first, last } = window;
    if (first === void 0 || last === void 0) return;
    if (window.repeats === 1) return inner.record(first);
    const details = window.varied.size === 0 ? window.details : { ...window.details, varied: [...window.varied].sort() };
    await inner.record({ ...first, details, count: window.repeats, lastTime: last.time });
  }
  return {
    async record(event) {
      const fields = AGGREGATED[event.type];
      if (fields === void 0) return inner.record(event);
      const subject = event.principal ?? `ip:${clientKey(event.ip)}`;
      const key = [event.type, subject, ...fields.map((field) => JSON.stringify(event.details[field] ?? null))].join("\0");
      const now = options.now();
      let window = windows.get(key);
      const pending = [];
      if (window !== void 0 && now >= window.endsAt) {
        pending.push(close(key, window));
        window = void 0;
      }
      if (window === void 0) {
        windows.set(key, { endsAt: now + options.windowMs, repeats: 0, first: void 0, last: void 0, details: {}, varied: /* @__PURE__ */ new Set() });
        pending.push(inner.record(event));
        for (const [oldKey, oldWindow] of windows) {
          if (windows.size <= maxOpen) break;
          pending.push(close(oldKey, oldWindow));
        }
        await Promise.all(pending);
        return;
      }
      window.repeats += 1;
      window.last = event;
      options.onAggregated?.(event.type);
      if (window.first === void 0) {
        window.first = event;
        window.details = { ...event.details };
        return;
      }
      for (const [name, value] of Object.entries(window.details)) {
        if (JSON.stringify(event.details[name]) !== JSON.stringify(value)) {
          delete window.details[name];
          window.varied.add(name);
        }
      }
    },
    async sweep() {
      const now = options.now();
      const ended = [...windows].filter(([, window]) => now >= window.endsAt);
      await Promise.all(ended.map(([key, window]) => close(key, window)));
    },
    async flush() {
      await Promise.all([...windows].map(([key, window]) => close(key, window)));
    }
  };
}

// src/audit/create-audit-log.ts
function createAuditLog(config, deps) {
  const { events, metrics, logger, now } = deps;
  let key = config.audit.hmacKey;
  if (key === void 0) {
    logger.warn("No GATEHOUSE_AUDIT_HMAC_KEY: the audit chain is keyed with a key made for this start; records written before it, or by other processes, will not verify");
    key = new Uint8Array(randomBytes2(32));
  }
  const store = createAuditLogStore(config, {
    redis: deps.redis,
    chain: createAuditChain(key),
    onCapacityTrim: (trim) => reportTrim({ events, metrics }, "capacity", trim)
  });
  const aggregator = createRefusalAggregator(createAuditLogSink(store, metrics), {
    windowMs: config.audit.aggregationWindowSeconds * 1e3,
    now,
    onAggregated: (type) => metrics.auditEventsAggregated.inc({ type })
  });
  events.addSink(aggregator);
  const sweepFailed = (error) => logger.error({ err: error }, "writing aggregated audit records failed");
  const sweeper = setInterval(() => aggregator.sweep().catch(sweepFailed), Math.min(config.audit.aggregationWindowSeconds * 1e3, 5e3));
  sweeper.unref();
  const retention = startAuditRetention({ store, retentionSeconds: config.audit.retentionSeconds, now, events, metrics, logger });
  return {
    store,
    async trimNow() {
      await retention.runOnce();
    },
    async close() {
      clearInterval(sweeper);
      retention.stop();
      await aggregator.flush().catch(sweepFailed);
    }
  };
}

// src/metrics/create-metrics.ts
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
var DURATION_BUCKETS = [1e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: "gatehouse_process_" });
  return {
    registry,
    calls: new Counter({ name: "gatehouse_calls_total", help: "Procedure calls by procedure and outcome", labelNames: ["procedure", "outcome"], registers }),
    callDuration: new Histogram({
      name: "gatehouse_call_duration_seconds",
      help: "Procedure call latency by procedure and outcome",
      labelNames: ["procedure", "outcome"],
      buckets: DURATION_BUCKETS,
      registers
    }),
    httpResponses: new Counter({ name: "gatehouse_http_responses_total", help: "HTTP responses by status", labelNames: ["status"], registers }),
    authFailures: new Counter({ name: "gatehouse_auth_failures_total", help: "401 and 403 answers by status and reason", labelNames: ["status", "reason"], registers }),
    rateLimited: new Counter({ name: "gatehouse_rate_limited_total", help: "429 answers by policy", labelNames: ["policy"], registers }),
    loginFailures: new Counter({ name: "gatehouse_login_failures_total", help: "Failed logins (login.failed events)", registers }),
    blocks: new Counter({ name: "gatehouse_blocks_total", help: "Callers blocked for a while, by kind", labelNames: ["kind"], registers }),
    tokenReuseDetections: new Counter({ name: "gatehouse_token_reuse_detections_total", help: "Refresh tokens presented twice (token.reuse_detected events)", registers }),
    abuseEvents: new Counter({ name: "gatehouse_abuse_events_total", help: "Abuse patterns detected, by pattern", labelNames: ["pattern"], registers }),
    securityEvents: new Counter({ name: "gatehouse_security_events_total", help: "Security events by type", labelNames: ["type"], registers }),
    storeErrors: new Counter({ name: "gatehouse_store_errors_total", help: "Failed store operations by store and operation", labelNames: ["store", "operation"], registers }),
    auditRecordsTrimmed: new Counter({ name: "gatehouse_audit_records_trimmed_total", help: "Audit records removed, by reason", labelNames: ["reason"], registers }),
    auditEventsAggregated: new Counter({
      name: "gatehouse_audit_events_aggregated_total",
      help: "Repeated refusals folded into a counted audit record, by type",
      labelNames: ["type"],
      registers
    }),
    credentialChecks: new Counter({
      name: "gatehouse_credential_checks_total",
      help: "Presented credentials verified (token signature or API key lookup), by credential type",
      labelNames: ["credential"],
      registers
    }),
    gaugeFlag(name, help, read) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read().catch(() => false) ? 1 : 0);
        }
      });
    }
  };
}

// src/metrics/security-event-metrics.ts
function createSecurityEventMetricsSink(metrics) {
  return {
    record(event) {
      metrics.securityEvents.inc({ type: event.type });
      switch (event.type) {
        case "login.failed":
          metrics.loginFailures.inc();
          break;
        case "login.blocked":
          metrics.blocks.inc({ kind: "login" });
          break;
        case "token.reuse_detected":
          metrics.tokenReuseDetections.inc();
          break;
        case "abuse.credential_stuffing":
          metrics.abuseEvents.inc({ pattern: "credential_stuffing" });
          break;
        case "abuse.enumeration":
          metrics.abuseEvents.inc({ pattern: "enumeration" });
          metrics.blocks.inc({ kind: "enumeration" });
          break;
        default:
          break;
      }
    }
  };
}

// src/tokens/verified-token-cache.ts
import { hash } from "node:crypto";
function createVerifiedTokenCache(options) {
  const { maxEntries } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError("maxEntries must be a positive integer");
  const nowMs = options.now ?? Date.now;
  const entries = /* @__PURE__ */ new Map();
  return {
    get(token) {
      const key = keyOf(token);
      const verified = entries.get(key);
      if (verified === void 0) return void 0;
      entries.delete(key);
      if (verified.expiresAt * 1e3 <= nowMs()) return void 0;
      entries.set(key, verified);
      return verified;
    },
    set(token, verified) {
      if (verified.expiresAt * 1e3 <= nowMs()) return;
      const key = keyOf(token);
      entries.delete(key);
      entries.set(key, Object.freeze(verified));
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
    maxEntries
  };
}
function keyOf(token) {
  return hash("sha256", token, "base64");
}

// src/stores/memory/memory-token-store.ts
function createMemoryTokenStore(options = {}) {
  const maxFamilies = options.maxFamilies ?? 1e5;
  const now = options.now ?? Date.now;
  const families = /* @__PURE__ */ new Map();
  const tokens = /* @__PURE__ */ new Map();
  const familiesOfUser = /* @__PURE__ */ new Map();
  const revokedJti = /* @__PURE__ */ new Map();
  const revokedSession = /* @__PURE__ */ new Map();
  const notBefore = /* @__PURE__ */ new Map();
  function liveFamily(familyId) {
    const family = families.get(familyId);
    return family !== void 0 && family.expiresAtMs > now() ? family : void 0;
  }
  function sweep() {
    const at = now();
    for (const [id, family] of families) {
      if (family.expiresAtMs <= at) {
        families.delete(id);
        familiesOfUser.get(family.userId)?.delete(id);
      }
    }
    for (const [hash2, token] of tokens) if (!families.has(token.familyId)) tokens.delete(hash2);
    for (const [userId, ids] of familiesOfUser) if (ids.size === 0) familiesOfUser.delete(userId);
    for (const markers of [revokedJti, revokedSession]) {
      for (const [key, untilMs] of markers) if (untilMs <= at) markers.delete(key);
    }
    for (const [userId, marker] of notBefore) if (marker.untilMs <= at) notBefore.delete(userId);
  }
  function refuseSession(familyId, accessTokenTtlSeconds) {
    revokedSession.set(familyId, now() + accessTokenTtlSeconds * 1e3);
  }
  const publicFamily = ({ revoked: _revoked, ...family }) => family;
  return {
    async createFamily(family, tokenHash) {
      if (families.size >= maxFamilies) sweep();
      if (families.size >= maxFamilies) throw new StoreFullError("token");
      families.set(family.familyId, { ...family, scopes: [...family.scopes], revoked: false });
      tokens.set(tokenHash, { familyId: family.familyId, used: void 0 });
      let ids = familiesOfUser.get(family.userId);
      if (ids === void 0) familiesOfUser.set(family.userId, ids = /* @__PURE__ */ new Set());
      ids.add(family.familyId);
    },
    async rotateRefreshToken(request) {
      const token = tokens.get(request.presentedHash);
      if (token === void 0 || token.familyId !== request.familyId) return { outcome: "unknown" };
      const family = families.get(token.familyId);
      if (family === void 0) return { outcome: "unknown" };
      if (family.expiresAtMs <= now()) return { outcome: "expired" };
      if (request.clientId !== void 0 && request.clientId !== family.clientId) return { outcome: "unknown" };
      if (family.revoked) return { outcome: "revoked", family: publicFamily(family) };
      if (token.used !== void 0) {
        if (token.successor !== void 0 && token.successor.untilMs > now()) {
          return { outcome: "replayed", family: publicFamily(family), sealedSuccessor: token.successor.sealed };
        }
        family.revoked = true;
        refuseSession(family.familyId, request.accessTokenTtlSeconds);
        return { outcome: "reused", family: publicFamily(family), firstUse: token.used };
      }
      token.used = { ...request.origin, atMs: now() };
      if (request.grace !== void 0 && request.grace.windowMs > 0) {
        token.successor = { sealed: request.grace.sealedSuccessor, untilMs: now() + request.grace.windowMs };
      }
      tokens.set(request.nextHash, { familyId: family.familyId, used: void 0 });
      return { outcome: "rotated", family: publicFamily(family) };
    },
    async revokeFamily(familyId, accessTokenTtlSeconds) {
      const family = liveFamily(familyId);
      if (family === void 0) return false;
      family.revoked = true;
      refuseSession(familyId, accessTokenTtlSeconds);
      return true;
    },
    async revokeUser(userId, notBeforeSeconds, accessTokenTtlSeconds) {
      notBefore.set(userId, { seconds: notBeforeSeconds, untilMs: now() + accessTokenTtlSeconds * 1e3 });
      let revoked = 0;
      for (const familyId of familiesOfUser.get(userId) ?? []) {
        const family = liveFamily(familyId);
        if (family === void 0 || family.revoked) continue;
        family.revoked = true;
        refuseSession(familyId, accessTokenTtlSeconds);
        revoked += 1;
      }
      return revoked;
    },
    async revokeAccessToken(jti, expiresAt) {
      if (expiresAt * 1e3 > now()) revokedJti.set(jti, expiresAt * 1e3);
    },
    async isAccessTokenRevoked(query) {
      const at = now();
      const refused = (untilMs) => untilMs !== void 0 && untilMs > at;
      if (refused(revokedJti.get(query.jti))) return true;
      if (query.sessionId !== void 0 && refused(revokedSession.get(query.sessionId))) return true;
      const marker = query.userId === void 0 ? void 0 : notBefore.get(query.userId);
      return marker !== void 0 && marker.untilMs > at && query.issuedAt < marker.seconds;
    },
    async inspectRefreshToken(familyId, tokenHash) {
      const token = tokens.get(tokenHash);
      const family = token?.familyId === familyId ? liveFamily(familyId) : void 0;
      if (token === void 0 || family === void 0) return void 0;
      return { family: publicFamily(family), active: !family.revoked && token.used === void 0 };
    }
  };
}

// src/stores/redis/redis-client.ts
import { Cluster as Cluster2 } from "ioredis";
function isCluster(redis) {
  return redis instanceof Cluster2;
}
async function getMany(redis, keys) {
  if (keys.length === 0) return [];
  if (!isCluster(redis)) return redis.mget(...keys);
  return Promise.all(keys.map((key) => redis.get(key)));
}

// src/stores/redis/token-store-scripts.ts
var CREATE_FAMILY = `
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'clientId', ARGV[2], 'scopes', ARGV[3], 'expiresAtMs', ARGV[4], 'revoked', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('HSET', KEYS[2], 'family', 'live')
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;
var ADD_USER_FAMILY = `
redis.call('SADD', KEYS[1], ARGV[1])
-- The set lives as long as the user's longest-lived family.
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('GET', KEYS[2])
`;
var ROTATE_REFRESH_TOKEN = `
local token = redis.call('HMGET', KEYS[1], 'family', 'usedAt', 'usedRequestId', 'usedIp', 'successor', 'graceUntil')
if not token[1] then return {'unknown'} end
local family = redis.call('HMGET', KEYS[2], 'userId', 'clientId', 'scopes', 'expiresAtMs', 'revoked')
if not family[1] then return {'unknown'} end
local now = tonumber(ARGV[1])
local expiresAt = tonumber(family[4])
if expiresAt <= now then return {'expired'} end
-- Another client's token is refused without being spent, so it cannot burn the family.
if ARGV[2] ~= '' and ARGV[2] ~= family[2] then return {'unknown'} end
if family[5] == '1' then return {'revoked', family[1], family[2], family[3], family[4]} end
if token[2] then
  -- Refresh grace: the same token again within the window gets the one successor it already has.
  if token[5] and token[6] and tonumber(token[6]) > now then
    return {'replayed', family[1], family[2], family[3], family[4], token[5]}
  end
  redis.call('HSET', KEYS[2], 'revoked', '1')
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[5])
  return {'reused', family[1], family[2], family[3], family[4], token[2], token[3], token[4]}
end
redis.call('HSET', KEYS[1], 'usedAt', ARGV[1], 'usedRequestId', ARGV[3], 'usedIp', ARGV[4])
if tonumber(ARGV[6]) > 0 then
  redis.call('HSET', KEYS[1], 'successor', ARGV[7], 'graceUntil', now + tonumber(ARGV[6]))
end
redis.call('HSET', KEYS[3], 'family', 'live')
redis.call('PEXPIRE', KEYS[3], expiresAt - now)
return {'rotated', family[1], family[2], family[3], family[4]}
`;
var REVOKE_FAMILY = `
local state = redis.call('HGET', KEYS[1], 'revoked')
if not state then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
if state == '1' then return 2 end
redis.call('HSET', KEYS[1], 'revoked', '1')
return 1
`;
var MARK_USER_REVOKED = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[2])
return redis.call('SMEMBERS', KEYS[1])
`;

// src/stores/redis/redis-token-store.ts
var createFamilyScript = createRedisScript(CREATE_FAMILY);
var addUserFamilyScript = createRedisScript(ADD_USER_FAMILY);
var rotateScript = createRedisScript(ROTATE_REFRESH_TOKEN);
var revokeFamilyScript = createRedisScript(REVOKE_FAMILY);
var markUserRevokedScript = createRedisScript(MARK_USER_REVOKED);
function createRedisTokenStore(options) {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const prefix = `${options.keyPrefix}tokens:`;
  const key = {
    token: (familyId, hash2) => `${prefix}{f:${familyId}}:rt:${hash2}`,
    family: (familyId) => `${prefix}{f:${familyId}}:family`,
    revokedSession: (familyId) => `${prefix}{f:${familyId}}:revoked-sid`,
    userFamilies: (userId) => `${prefix}{u:${userId}}:families`,
    notBefore: (userId) => `${prefix}{u:${userId}}:not-before`,
    revokedAt: (userId) => `${prefix}{u:${userId}}:revoked-at`,
    revokedJti: (jti) => `${prefix}revoked-jti:${jti}`
  };
  const run = (operation) => runOnRedis(operation, "token");
  async function revokeFamily(familyId, accessTokenTtlSeconds) {
    const reply = await run(
      () => revokeFamilyScript.run(redis, [key.family(familyId), key.revokedSession(familyId)], [accessTokenTtlSeconds * 1e3])
    );
    return Number(reply);
  }
  return {
    async createFamily(family, tokenHash) {
      const createdAtMs = now();
      const ttlMs = family.expiresAtMs - createdAtMs;
      if (ttlMs <= 0) throw new RangeError("A refresh family must expire in the future");
      await run(
        () => createFamilyScript.run(
          redis,
          [key.family(family.familyId), key.token(family.familyId, tokenHash)],
          [family.userId, family.clientId, family.scopes.join(" "), family.expiresAtMs, ttlMs]
        )
      );
      const revokedAt = await run(
        () => addUserFamilyScript.run(redis, [key.userFamilies(family.userId), key.revokedAt(family.userId)], [family.familyId, ttlMs])
      );
      if (typeof revokedAt === "string" && Number(revokedAt) >= createdAtMs) {
        await revokeFamily(family.familyId, Math.ceil(ttlMs / 1e3));
      }
    },
    async rotateRefreshToken(request) {
      const { familyId } = request;
      const grace = request.grace;
      const reply = await run(
        () => rotateScript.run(
          redis,
          [
            key.token(familyId, request.presentedHash),
            key.family(familyId),
            key.token(familyId, request.nextHash),
            key.revokedSession(familyId)
          ],
          [
            now(),
            request.clientId ?? "",
            request.origin.requestId,
            request.origin.ip,
            request.accessTokenTtlSeconds * 1e3,
            grace === void 0 ? 0 : grace.windowMs,
            grace === void 0 ? "" : grace.sealedSuccessor
          ]
        )
      );
      return toRotateResult(familyId, reply);
    },
    async revokeFamily(familyId, accessTokenTtlSeconds) {
      return await revokeFamily(familyId, accessTokenTtlSeconds) !== 0;
    },
    async revokeUser(userId, notBeforeSeconds, accessTokenTtlSeconds) {
      const familyIds = await run(
        () => markUserRevokedScript.run(
          redis,
          [key.userFamilies(userId), key.notBefore(userId), key.revokedAt(userId)],
          [notBeforeSeconds, accessTokenTtlSeconds * 1e3, now()]
        )
      );
      const ids = Array.isArray(familyIds) ? familyIds.map(String) : [];
      const outcomes = await Promise.all(ids.map((familyId) => revokeFamily(familyId, accessTokenTtlSeconds)));
      const gone = ids.filter((_id, index) => outcomes[index] === 0);
      if (gone.length > 0) await run(() => redis.srem(key.userFamilies(userId), ...gone));
      return outcomes.filter((outcome) => outcome === 1).length;
    },
    async revokeAccessToken(jti, expiresAt) {
      const ttlMs = expiresAt * 1e3 - now();
      if (ttlMs <= 0) return;
      await run(() => redis.set(key.revokedJti(jti), "1", "PX", ttlMs));
    },
    async isAccessTokenRevoked(query) {
      const keys = [key.revokedJti(query.jti)];
      if (query.sessionId !== void 0) keys.push(key.revokedSession(query.sessionId));
      if (query.userId !== void 0) keys.push(key.notBefore(query.userId));
      const values = await run(() => getMany(redis, keys));
      if (values[0] != null) return true;
      if (query.sessionId !== void 0 && values[1] != null) return true;
      const notBefore = query.userId === void 0 ? null : values[values.length - 1];
      return notBefore != null && query.issuedAt < Number(notBefore);
    },
    async inspectRefreshToken(familyId, tokenHash) {
      const replies = await run(
        () => redis.multi().hmget(key.token(familyId, tokenHash), "family", "usedAt").hmget(key.family(familyId), ...FAMILY_FIELDS).exec()
      );
      const [tokenFields, familyFields] = (replies ?? []).map(([error, value]) => {
        if (error !== null) throw new StoreUnavailableError("token", { cause: error });
        return value;
      });
      const [tokenExists, usedAt] = tokenFields ?? [];
      const [userId, clientId2, scopes, expiresAtMs, revoked] = familyFields ?? [];
      if (tokenExists == null || userId == null || clientId2 == null || expiresAtMs == null) return void 0;
      if (Number(expiresAtMs) <= now()) return void 0;
      const family = { familyId, userId, clientId: clientId2, scopes: parseScopes(scopes ?? ""), expiresAtMs: Number(expiresAtMs) };
      return { family, active: revoked !== "1" && usedAt == null };
    }
  };
}
var FAMILY_FIELDS = ["userId", "clientId", "scopes", "expiresAtMs", "revoked"];
function toRotateResult(familyId, reply) {
  if (!Array.isArray(reply) || typeof reply[0] !== "string") throw new StoreUnavailableError("token");
  const [outcome, userId, clientId2, scopes, expiresAtMs, usedAt, usedRequestId, usedIp] = reply;
  if (outcome === "unknown" || outcome === "expired") return { outcome };
  const family = {
    familyId,
    userId: userId ?? "",
    clientId: clientId2 ?? "",
    scopes: parseScopes(scopes ?? ""),
    expiresAtMs: Number(expiresAtMs)
  };
  if (outcome === "rotated" || outcome === "revoked") return { outcome, family };
  if (outcome === "replayed") return { outcome, family, sealedSuccessor: usedAt ?? "" };
  return {
    outcome: "reused",
    family,
    firstUse: { atMs: Number(usedAt), requestId: usedRequestId ?? "", ip: usedIp ?? "" }
  };
}
function parseScopes(value) {
  return value === "" ? [] : value.split(" ").filter(isScope);
}

// src/stores/create-token-store.ts
function createTokenStore(store, options) {
  if (store.kind === "memory") return createMemoryTokenStore({ now: options.now });
  if (options.redis === void 0) throw new Error("GATEHOUSE_STORE=redis needs a Redis connection");
  return createRedisTokenStore({ redis: options.redis, keyPrefix: store.keyPrefix, now: options.now });
}

// src/tokens/refresh-tokens.ts
import { createHash as createHash5, randomBytes as randomBytes4, randomUUID } from "node:crypto";

// src/tokens/refresh-grace-seal.ts
import { createCipheriv, createDecipheriv, createHash as createHash4, randomBytes as randomBytes3 } from "node:crypto";
function sealSuccessor(presentedToken, successor) {
  const iv = randomBytes3(12);
  const cipher = createCipheriv("aes-256-gcm", graceKey(presentedToken), iv);
  const sealed = Buffer.concat([cipher.update(successor, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}
function openSuccessor(presentedToken, sealed) {
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length <= 28) return void 0;
  try {
    const decipher = createDecipheriv("aes-256-gcm", graceKey(presentedToken), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return void 0;
  }
}
function graceKey(presentedToken) {
  return createHash4("sha256").update("gatehouse refresh grace\0").update(presentedToken).digest();
}

// src/tokens/refresh-tokens.ts
var REFRESH_TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
function createRefreshTokens(options) {
  const { store, events, ttlSeconds, accessTokenTtlSeconds } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError("refresh token ttlSeconds must be a positive integer");
  const now = options.now ?? Date.now;
  const graceMs = (options.graceSeconds ?? 0) * 1e3;
  if (!Number.isInteger(graceMs) || graceMs < 0) throw new RangeError("refresh grace seconds must be a non-negative integer");
  function mint(familyId, expiresAtMs) {
    const token = `${familyId}.${randomBytes4(32).toString("base64url")}`;
    const expiresInSeconds = Math.max(0, Math.floor((expiresAtMs - now()) / 1e3));
    return { token, hash: hashRefreshToken(token), issued: { token, familyId, expiresAt: new Date(expiresAtMs), expiresInSeconds } };
  }
  return {
    async startFamily(request) {
      const familyId = randomUUID();
      const expiresAtMs = now() + ttlSeconds * 1e3;
      const { hash: hash2, issued } = mint(familyId, expiresAtMs);
      await store.createFamily({ familyId, userId: request.userId, clientId: request.clientId, scopes: [...request.scopes], expiresAtMs }, hash2);
      return issued;
    },
    async rotate(token, { clientId: clientId2, origin }) {
      const match = REFRESH_TOKEN.exec(token);
      if (match?.[1] === void 0) return { ok: false, reason: "invalid_token" };
      const familyId = match[1];
      const next = mint(familyId, now());
      const result = await store.rotateRefreshToken({
        familyId,
        presentedHash: hashRefreshToken(token),
        nextHash: next.hash,
        clientId: clientId2,
        origin: { requestId: origin.requestId, ip: origin.ip },
        accessTokenTtlSeconds,
        ...graceMs === 0 ? {} : { grace: { windowMs: graceMs, sealedSuccessor: sealSuccessor(token, next.token) } }
      });
      switch (result.outcome) {
        case "rotated": {
          const { family } = result;
          events.emit("token.refreshed", { ...origin, principal: `user:${family.userId}` }, { familyId, clientId: family.clientId });
          const expiresInSeconds = Math.max(0, Math.floor((family.expiresAtMs - now()) / 1e3));
          return { ok: true, family, refreshToken: { ...next.issued, expiresAt: new Date(family.expiresAtMs), expiresInSeconds } };
        }
        case "replayed": {
          const successor = openSuccessor(token, result.sealedSuccessor);
          if (successor === void 0) return { ok: false, reason: "revoked_token" };
          const { family } = result;
          events.emit("token.refreshed", { ...origin, principal: `user:${family.userId}` }, { familyId, clientId: family.clientId, grace: true });
          const expiresInSeconds = Math.max(0, Math.floor((family.expiresAtMs - now()) / 1e3));
          const refreshToken = { token: successor, familyId, expiresAt: new Date(family.expiresAtMs), expiresInSeconds };
          return { ok: true, family, refreshToken };
        }
        case "reused":
          events.emit("token.reuse_detected", { ...origin, principal: `user:${result.family.userId}` }, {
            familyId,
            clientId: result.family.clientId,
            firstUseRequestId: result.firstUse.requestId,
            firstUseIp: result.firstUse.ip,
            firstUseAt: new Date(result.firstUse.atMs).toISOString()
          });
          return { ok: false, reason: "revoked_token" };
        case "revoked":
          return { ok: false, reason: "revoked_token" };
        case "expired":
          return { ok: false, reason: "expired_token" };
        case "unknown":
          return { ok: false, reason: "invalid_token" };
      }
    },
    revokeFamily(familyId) {
      return store.revokeFamily(familyId, accessTokenTtlSeconds);
    },
    async inspect(token) {
      const familyId = REFRESH_TOKEN.exec(token)?.[1];
      return familyId === void 0 ? void 0 : store.inspectRefreshToken(familyId, hashRefreshToken(token));
    }
  };
}
function hashRefreshToken(token) {
  return createHash5("sha256").update(token).digest("base64url");
}
function looksLikeRefreshToken(token) {
  return REFRESH_TOKEN.test(token);
}

// src/tokens/token-revocation.ts
function createTokenRevocation(options) {
  const { store, accessTokenTtlSeconds } = options;
  const now = options.now ?? Date.now;
  return {
    isRevoked(token) {
      return store.isAccessTokenRevoked({
        jti: token.jti,
        sessionId: token.sessionId,
        // client_credentials tokens name a client, not a user: no user "not before" applies.
        userId: token.grant === "user" ? token.subject : void 0,
        issuedAt: token.issuedAt
      });
    },
    async endSession(token) {
      await Promise.all([
        store.revokeAccessToken(token.jti, token.expiresAt),
        token.sessionId === void 0 ? void 0 : store.revokeFamily(token.sessionId, accessTokenTtlSeconds)
      ]);
    },
    revokeUser(userId) {
      return store.revokeUser(userId, Math.floor(now() / 1e3), accessTokenTtlSeconds);
    }
  };
}

// src/dependencies.ts
async function createDependencies(config, logger, overrides = {}) {
  const now = overrides.now ?? Date.now;
  const signingKeys = config.signingKeysFile === void 0 ? await generateEphemeralSigningKeys() : await loadSigningKeysFile(config.signingKeysFile);
  if (signingKeys.ephemeral) {
    logger.warn("No GATEHOUSE_SIGNING_KEYS_FILE: signing with an ephemeral key; tokens die with this process");
  }
  const clock = () => new Date(now());
  const redis = config.store.kind === "redis" ? createRedisConnection({ url: config.store.url, clusterNodes: config.store.clusterNodes, logger, commandTimeoutMs: config.redisCommandTimeoutMs }) : void 0;
  if (redis !== void 0) await waitForRedis(redis);
  const stores = createStores(config, { redis, now: clock });
  const metrics = createMetrics();
  redis?.on("error", () => metrics.storeErrors.inc({ store: "redis", operation: "connection" }));
  const events = createSecurityEvents(logger, clock);
  const tokens = createTokenStore(config.store, { redis, now });
  const accessTokenTtlSeconds = config.accessTokenTtlSeconds;
  const audit = createAuditLog(config, { redis, events, metrics, logger, now });
  events.addSink(createSecurityEventMetricsSink(metrics));
  const abuse = createAbuseDetection({
    config,
    redis,
    events,
    onStoreError: () => metrics.storeErrors.inc({ store: "abuse_counters", operation: "count" })
  });
  metrics.gaugeFlag(
    "gatehouse_credential_stuffing_active",
    "1 while login runs under the strict credential-stuffing policy",
    () => abuse.stuffing.isStuffingActive()
  );
  const rateLimits = await createRateLimits(config, { redis, logger });
  const passwordPool = createPasswordWorkerPool(config.passwordWorkers);
  const clients = createClientDirectory();
  return {
    config,
    logger,
    redis,
    ...stores,
    signingKeys,
    accessTokens: createAccessTokens({
      keys: signingKeys,
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
      now,
      cache: config.tokenCacheSize === 0 ? void 0 : createVerifiedTokenCache({ maxEntries: config.tokenCacheSize, now })
    }),
    passwords: await createPasswordHasher({ cost: config.bcryptCost, pool: passwordPool }),
    events,
    metrics,
    auditLog: audit.store,
    trimAuditLog: () => audit.trimNow(),
    abuse,
    apiKeys: createApiKeys({
      store: createApiKeyStore(config, { redis, now: clock }),
      now,
      onTouchFailed: (error) => logger.warn({ err: error }, "could not record an API key\u2019s last use")
    }),
    services: createServiceDirectory(),
    clients,
    principals: createPrincipalPresence({ users: stores.users, clients, now }),
    rateLimits,
    tokens,
    refreshTokens: createRefreshTokens({ store: tokens, events, ttlSeconds: config.refreshTokenTtlSeconds, accessTokenTtlSeconds, graceSeconds: config.refreshGraceSeconds, now }),
    revocation: createTokenRevocation({ store: tokens, accessTokenTtlSeconds, now }),
    async close() {
      await audit.close();
      await passwordPool.close();
      await rateLimits.close();
      if (redis !== void 0) await redis.quit().catch(() => redis.disconnect());
    }
  };
}

// src/seed/apply-seed.ts
async function applySeedUsers(seed, users, passwords) {
  let created = 0;
  for (const user of seed.users) {
    if (await users.findByEmail(user.email) !== void 0) continue;
    const passwordHash = "passwordHash" in user ? user.passwordHash : await passwords.hash(user.password);
    try {
      await users.create({ email: user.email, name: user.name, role: user.role, passwordHash });
      created += 1;
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error;
    }
  }
  return created;
}

// src/oauth/register-oauth-routes.ts
import formBody from "@fastify/formbody";

// src/oauth/authorize-endpoint.ts
import { randomBytes as randomBytes5 } from "node:crypto";
import { z as z18 } from "zod";

// src/http/client-ip.ts
function normaliseIp(address) {
  if (address === void 0 || address === "") return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address.toLowerCase();
}

// src/oauth/authorize-page.ts
function escapeHtml(value) {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
var STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}ul{padding-left:1.2rem}label{display:block;margin:.8rem 0 .2rem}
input[type=email],input[type=password]{width:100%;padding:.5rem;font:inherit}
.actions{display:flex;gap:.8rem;margin-top:1.2rem}button{padding:.5rem 1rem;font:inherit}
.error{color:#a40e26;background:#ffebe9;padding:.5rem .8rem;border-radius:4px}`;
function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}
function renderConsentPage(options) {
  const hidden = Object.entries(options.hiddenFields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join("\n");
  const scopes = options.scopes.map((scope) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[scope])} <small>(${escapeHtml(scope)})</small></li>`).join("");
  const error = options.error === void 0 ? "" : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  return page(
    "Sign in to Gatehouse",
    `<h1>Sign in to continue to <strong>${escapeHtml(options.clientId)}</strong></h1>
${error}<p>${escapeHtml(options.clientId)} is asking to:</p><ul>${scopes}</ul>
<form method="post" action="/oauth/authorize" autocomplete="on">
${hidden}
<label for="email">Email</label><input id="email" type="email" name="email" required value="${escapeHtml(options.email ?? "")}">
<label for="password">Password</label><input id="password" type="password" name="password" required>
<div class="actions"><button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button></div>
</form>`
  );
}
function renderErrorPage(message) {
  return page("Authorization error", `<h1>This sign-in link is not valid</h1><p class="error">${escapeHtml(message)}</p>`);
}

// src/oauth/authorize-sign-in.ts
async function signInOnAuthorizeForm(deps, credentials, origin) {
  const stuffing = await deps.abuse.stuffing.admitLogin(origin.ip);
  if (stuffing !== void 0) {
    deps.events.emit("login.blocked", origin, { email: credentials.email, reason: "credential_stuffing", policy: stuffing.policy });
    return { outcome: "blocked", retryAfterMs: rateLimitErrorData(stuffing).retryAfterMs };
  }
  const admission = await deps.rateLimits.login.admit(credentials.email, origin.ip);
  if (!admission.admitted) {
    deps.events.emit("login.blocked", origin, { email: credentials.email, policy: admission.snapshot.policy });
    return { outcome: "blocked", retryAfterMs: rateLimitErrorData(admission.snapshot).retryAfterMs };
  }
  const user = await checkPassword(deps, credentials, origin);
  if (user === void 0) return { outcome: "invalid_credentials" };
  await admission.succeeded();
  return { outcome: "signed_in", user };
}

// src/oauth/pkce.ts
import { createHash as createHash6, timingSafeEqual as timingSafeEqual3 } from "node:crypto";
var CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
var S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;
function isS256Challenge(challenge) {
  return S256_CHALLENGE.test(challenge);
}
function verifyCodeVerifier(verifier, challenge) {
  if (!CODE_VERIFIER.test(verifier)) return false;
  const computed = Buffer.from(createHash6("sha256").update(verifier, "ascii").digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual3(computed, expected);
}

// src/oauth/redirect-uri.ts
var LOOPBACK_HOSTS = /* @__PURE__ */ new Set(["127.0.0.1", "[::1]"]);
function matchRedirectUri(registered, requested) {
  if (registered.includes(requested)) return requested;
  const candidate = parseLoopback(requested);
  if (candidate === void 0) return void 0;
  for (const uri of registered) {
    const allowed = parseLoopback(uri);
    if (allowed !== void 0 && allowed.port === "" && withoutPort(allowed) === withoutPort(candidate)) return requested;
  }
  return void 0;
}
function parseLoopback(uri) {
  if (!URL.canParse(uri)) return void 0;
  const url = new URL(uri);
  if (url.href !== uri || url.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname) || url.username !== "" || url.password !== "" || url.hash !== "") {
    return void 0;
  }
  return url;
}
function withoutPort(url) {
  const copy = new URL(url.href);
  copy.port = "";
  return copy.href;
}

// src/oauth/authorize-request.ts
var UntrustedRedirectError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "UntrustedRedirectError";
  }
};
var AuthorizationRedirectError = class extends Error {
  constructor(error, description) {
    super(description);
    this.error = error;
    this.description = description;
    this.name = "AuthorizationRedirectError";
  }
  error;
  description;
};
var AUTHORIZATION_PARAMETER_LIMITS = {
  response_type: 32,
  client_id: 128,
  redirect_uri: 2048,
  scope: 1024,
  state: 512,
  code_challenge: 128,
  code_challenge_method: 16
};
var AUTHORIZATION_PARAMETERS = Object.keys(AUTHORIZATION_PARAMETER_LIMITS);
var VISIBLE_ASCII = /^[\x20-\x7e]*$/;
function readParameter(params, name) {
  const value = params[name];
  if (value === void 0 || value === "") return void 0;
  if (typeof value !== "string") return "invalid";
  return value.length <= AUTHORIZATION_PARAMETER_LIMITS[name] && VISIBLE_ASCII.test(value) ? value : "invalid";
}
function requireTrustedRedirect(registry, params) {
  const clientId2 = readParameter(params, "client_id");
  const redirectUri2 = readParameter(params, "redirect_uri");
  if (clientId2 === void 0 || clientId2 === "invalid") throw new UntrustedRedirectError("The request names no client.");
  const client = registry.find(clientId2);
  if (client === void 0) throw new UntrustedRedirectError("The application asking to sign you in is not registered.");
  if (!client.grantTypes.includes("authorization_code")) {
    throw new UntrustedRedirectError("This application may not ask users to sign in.");
  }
  if (redirectUri2 === void 0 && client.redirectUris.length === 1) {
    return { client, redirectUri: client.redirectUris[0], redirectUriOmitted: true };
  }
  const matched = redirectUri2 === void 0 || redirectUri2 === "invalid" ? void 0 : matchRedirectUri(client.redirectUris, redirectUri2);
  if (matched === void 0) throw new UntrustedRedirectError("The redirect address is not registered for this application.");
  return { client, redirectUri: matched, redirectUriOmitted: false };
}
function echoableState(params) {
  const state = readParameter(params, "state");
  return state === "invalid" ? void 0 : state;
}
function parseAuthorizationRequest(registry, params) {
  const { client, redirectUri: redirectUri2, redirectUriOmitted } = requireTrustedRedirect(registry, params);
  const parameters = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = readParameter(params, name);
    if (value === "invalid") {
      throw new AuthorizationRedirectError("invalid_request", `${name} must appear once, as at most ${AUTHORIZATION_PARAMETER_LIMITS[name]} printable characters`);
    }
    if (value !== void 0) parameters[name] = value;
  }
  if (parameters["response_type"] !== "code") {
    throw new AuthorizationRedirectError("unsupported_response_type", "Only response_type=code is supported");
  }
  const challenge = parameters["code_challenge"];
  if (challenge === void 0) throw new AuthorizationRedirectError("invalid_request", "PKCE is required: send code_challenge");
  if (parameters["code_challenge_method"] !== "S256") {
    throw new AuthorizationRedirectError("invalid_request", "code_challenge_method must be S256 (plain is not accepted)");
  }
  if (!isS256Challenge(challenge)) throw new AuthorizationRedirectError("invalid_request", "code_challenge is not an S256 challenge");
  return {
    client,
    redirectUri: redirectUri2,
    redirectUriOmitted,
    state: parameters["state"],
    codeChallenge: challenge,
    requestedScopes: parseScopeParameter(parameters["scope"]),
    parameters
  };
}
function parseScopeParameter(scope) {
  if (scope === void 0 || scope.trim() === "") return void 0;
  const names = scope.split(" ").filter((name) => name !== "");
  const unknown = names.filter((name) => !isScope(name));
  if (unknown.length > 0) throw new AuthorizationRedirectError("invalid_scope", "The request names a scope this server does not have");
  return [...new Set(names)];
}

// src/oauth/oauth-error.ts
var STATUS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  unsupported_token_type: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  too_many_requests: 429
};
var OAuthError = class extends Error {
  constructor(error, description, options = {}) {
    super(description);
    this.error = error;
    this.description = description;
    this.name = "OAuthError";
    this.status = options.status ?? STATUS[error];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
  error;
  description;
  status;
  retryAfterSeconds;
  toJSON() {
    return { error: this.error, error_description: this.description };
  }
};

// src/oauth/opaque-token.ts
import { createHash as createHash7 } from "node:crypto";
function hashOpaqueToken(token) {
  return createHash7("sha256").update(token, "utf8").digest("base64url");
}

// src/oauth/authorize-endpoint.ts
var AUTHORIZATION_CODE_TTL_SECONDS = 60;
var CSRF_FIELD = "csrf_token";
var MAX_CSRF_TOKEN_LENGTH = 128;
var signInCredentials = z18.strictObject({ email: loginInput.shape.email, password: loginInput.shape.password });
function registerAuthorizeEndpoint(app, deps, oauth) {
  app.get(
    "/oauth/authorize",
    async (request, reply) => handle(reply, () => {
      const authorization = parseAuthorizationRequest(oauth.clients, asParams(request.query));
      return showConsent(reply, authorization, {});
    })
  );
  app.post(
    "/oauth/authorize",
    async (request, reply) => handle(reply, async () => {
      const body = asParams(request.body);
      const authorization = parseAuthorizationRequest(oauth.clients, body);
      const csrfToken = body[CSRF_FIELD];
      if (typeof csrfToken !== "string" || csrfToken.length > MAX_CSRF_TOKEN_LENGTH || !oauth.formProtection.verify(csrfToken, formFields(authorization))) {
        return sendPage(reply, 400, renderErrorPage("This form has expired or was not issued by Gatehouse. Start again from the application."));
      }
      if (body["decision"] === "deny") {
        throw new AuthorizationRedirectError("access_denied", "The user denied the request");
      }
      if (body["decision"] !== "approve") return sendPage(reply, 400, renderErrorPage("Choose Allow or Deny."));
      const credentials = signInCredentials.safeParse({ email: body["email"], password: body["password"] });
      if (!credentials.success) {
        return showConsent(reply, authorization, { error: "Enter a valid email address and a password." }, 400);
      }
      const { email, password } = credentials.data;
      const signIn = await signInOnAuthorizeForm(deps, { email, password }, origin(request));
      if (signIn.outcome === "blocked") {
        const retryAfterSeconds = Math.max(1, Math.ceil(signIn.retryAfterMs / 1e3));
        reply.header("retry-after", String(retryAfterSeconds));
        const minutes = Math.ceil(retryAfterSeconds / 60);
        return showConsent(reply, authorization, { email, error: `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` }, 429);
      }
      if (signIn.outcome === "invalid_credentials") return showConsent(reply, authorization, { email, error: "Invalid email or password" });
      const { user } = signIn;
      const scopes = grantableScopes({
        requested: authorization.requestedScopes,
        clientAllows: authorization.client.scopes,
        subjectHolds: scopesOfRole(user.role)
      });
      if (scopes.length === 0) throw new AuthorizationRedirectError("invalid_scope", "None of the requested scopes can be granted");
      const code = randomBytes5(32).toString("base64url");
      await oauth.codes.save(
        hashOpaqueToken(code),
        {
          clientId: authorization.client.clientId,
          redirectUri: authorization.redirectUri,
          redirectUriOmitted: authorization.redirectUriOmitted,
          codeChallenge: authorization.codeChallenge,
          userId: user.id,
          scopes
        },
        AUTHORIZATION_CODE_TTL_SECONDS
      );
      return redirectBack(reply, authorization.redirectUri, { code, ...authorization.state === void 0 ? {} : { state: authorization.state } });
    })
  );
  function showConsent(reply, authorization, extra, status = 200) {
    const fields = formFields(authorization);
    const page2 = renderConsentPage({
      clientId: authorization.client.clientId,
      scopes: authorization.requestedScopes ?? authorization.client.scopes,
      hiddenFields: { ...fields, [CSRF_FIELD]: oauth.formProtection.issue(fields) },
      ...extra
    });
    return sendPage(reply, status, page2, authorization.redirectUri);
  }
  async function handle(reply, run) {
    try {
      await oauth.budgets.chargeAuthorize(reply.request, reply);
      return await run();
    } catch (error) {
      if (error instanceof OAuthError) {
        if (error.retryAfterSeconds !== void 0) reply.header("retry-after", String(error.retryAfterSeconds));
        return sendPage(reply, error.status, renderErrorPage("Too many sign-in requests from this address. Try again later."));
      }
      if (error instanceof UntrustedRedirectError) return sendPage(reply, 400, renderErrorPage(error.message));
      if (error instanceof AuthorizationRedirectError) {
        const params = asParams(reply.request.method === "POST" ? reply.request.body : reply.request.query);
        const { redirectUri: redirectUri2 } = requireTrustedRedirect(oauth.clients, params);
        const state = echoableState(params);
        return redirectBack(reply, redirectUri2, {
          error: error.error,
          error_description: error.description,
          ...state === void 0 ? {} : { state }
        });
      }
      throw error;
    }
  }
  function redirectBack(reply, redirectUri2, params) {
    const target = new URL(redirectUri2);
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    target.searchParams.set("iss", deps.config.issuer);
    reply.header("cache-control", "no-store");
    return reply.redirect(target.toString(), reply.request.method === "POST" ? 303 : 302);
  }
  function origin(request) {
    return { ip: normaliseIp(request.ip), requestId: request.id, principal: void 0 };
  }
}
function formFields(authorization) {
  const fields = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = authorization.parameters[name];
    if (value !== void 0) fields[name] = value;
  }
  return fields;
}
function sendPage(reply, status, html, redirectUri2) {
  const formAction = redirectUri2 === void 0 ? "'self'" : `'self' ${new URL(redirectUri2).origin}`;
  return reply.status(status).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-store").header("x-frame-options", "DENY").header("referrer-policy", "no-referrer").header("content-security-policy", `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`).send(html);
}
function asParams(value) {
  return typeof value === "object" && value !== null ? value : {};
}

// src/oauth/oauth-reply.ts
function sendNoStoreJson(reply, body, status = 200) {
  return reply.status(status).header("cache-control", "no-store").header("pragma", "no-cache").send(body);
}
function sendOAuthError(reply, error) {
  if (error.status === 401) reply.header("www-authenticate", 'Basic realm="gatehouse", charset="UTF-8"');
  if (error.retryAfterSeconds !== void 0) reply.header("retry-after", String(error.retryAfterSeconds));
  return sendNoStoreJson(reply, { ...error.toJSON(), requestId: reply.request.id }, error.status);
}
function readFormParameters(body) {
  if (typeof body !== "object" || body === null) {
    throw new OAuthError("invalid_request", "The request body must be application/x-www-form-urlencoded");
  }
  const parameters = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== "string") throw new OAuthError("invalid_request", `${name} must appear once`);
    if (value !== "") parameters[name] = value;
  }
  return parameters;
}

// src/oauth/method-not-allowed.ts
var METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
function answerOtherMethods(app, url, allowed) {
  const allowHeader = allowed.join(", ");
  const others = METHODS.filter((method) => !allowed.includes(method));
  app.route({
    method: [...others],
    url,
    // HEAD is listed explicitly when it is not allowed; Fastify must not derive one from a GET here.
    exposeHeadRoute: false,
    handler: (_request, reply) => sendOAuthError(reply.header("allow", allowHeader), new OAuthError("invalid_request", `This endpoint accepts ${allowHeader} only`, { status: 405 }))
  });
}

// src/oauth/metadata-routes.ts
var OAUTH_PATHS = {
  authorize: "/oauth/authorize",
  token: "/oauth/token",
  revoke: "/oauth/revoke",
  introspect: "/oauth/introspect",
  jwks: "/.well-known/jwks.json"
};
var CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];
var SCOPES_SUPPORTED = scopesSupported(buildAuthorizationManifest(contracts));
function authorizationServerMetadata(config) {
  const at = (path) => `${config.issuer}${path}`;
  return {
    issuer: config.issuer,
    authorization_endpoint: at(OAUTH_PATHS.authorize),
    token_endpoint: at(OAUTH_PATHS.token),
    jwks_uri: at(OAUTH_PATHS.jwks),
    revocation_endpoint: at(OAUTH_PATHS.revoke),
    introspection_endpoint: at(OAUTH_PATHS.introspect),
    scopes_supported: [...SCOPES_SUPPORTED],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
    introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    authorization_response_iss_parameter_supported: true
  };
}
function protectedResourceMetadata(config) {
  return {
    resource: config.audience,
    authorization_servers: [config.issuer],
    jwks_uri: `${config.issuer}${OAUTH_PATHS.jwks}`,
    scopes_supported: [...SCOPES_SUPPORTED],
    bearer_methods_supported: ["header"],
    resource_name: "Gatehouse API"
  };
}
function registerMetadataRoutes(app, config) {
  const authorizationServer = authorizationServerMetadata(config);
  const protectedResource = protectedResourceMetadata(config);
  app.get("/.well-known/oauth-authorization-server", async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return authorizationServer;
  });
  app.get("/.well-known/oauth-protected-resource", async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return protectedResource;
  });
}

// src/stores/memory/memory-authorization-code-store.ts
function createMemoryAuthorizationCodeStore(options = {}) {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 1e5;
  const entries = /* @__PURE__ */ new Map();
  function live(codeHash) {
    const entry = entries.get(codeHash);
    if (entry !== void 0 && entry.expiresAt <= now()) {
      entries.delete(codeHash);
      return void 0;
    }
    return entry;
  }
  function evictOverflow() {
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries && entry.expiresAt > now()) break;
      entries.delete(key);
    }
  }
  return {
    async save(codeHash, grant, ttlSeconds) {
      entries.set(codeHash, { grant, redeemed: false, replayed: false, issued: void 0, expiresAt: now() + ttlSeconds * 1e3 });
      evictOverflow();
    },
    async redeem(codeHash, rememberSeconds) {
      const entry = live(codeHash);
      if (entry === void 0) return { status: "unknown" };
      if (entry.redeemed) return { status: "reused", grant: entry.grant };
      entry.redeemed = true;
      entry.expiresAt = Math.max(entry.expiresAt, now() + rememberSeconds * 1e3);
      return { status: "valid", grant: entry.grant };
    },
    async recordIssued(codeHash, issued) {
      const entry = live(codeHash);
      if (entry === void 0 || entry.replayed) return "replayed";
      entry.issued = issued;
      return "recorded";
    },
    async markReplayed(codeHash) {
      const entry = live(codeHash);
      if (entry === void 0) return void 0;
      entry.replayed = true;
      return entry.issued;
    }
  };
}

// src/stores/redis/redis-authorization-code-store.ts
var REDEEM = createRedisScript(`
local grant = redis.call('HGET', KEYS[1], 'grant')
if not grant then return nil end
local before = redis.call('HGET', KEYS[1], 'redeemed')
if not before then
  redis.call('HSET', KEYS[1], 'redeemed', '1')
  if redis.call('TTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
end
return { before or '0', grant }
`);
var RECORD_ISSUED = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'replayed') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'issued', ARGV[1])
return 1
`);
var MARK_REPLAYED = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return '' end
redis.call('HSET', KEYS[1], 'replayed', '1')
return redis.call('HGET', KEYS[1], 'issued') or ''
`);
function createRedisAuthorizationCodeStore(redis, keyPrefix) {
  const key = (codeHash) => `${keyPrefix}oauth-code:${codeHash}`;
  return {
    async save(codeHash, grant, ttlSeconds) {
      await runOnRedis(() => redis.multi().hset(key(codeHash), "grant", JSON.stringify(grant)).expire(key(codeHash), ttlSeconds).exec());
    },
    async redeem(codeHash, rememberSeconds) {
      const result = await REDEEM.run(redis, [key(codeHash)], [rememberSeconds]);
      if (result === null) return { status: "unknown" };
      const [redeemedBefore, grantJson] = result;
      const grant = JSON.parse(grantJson);
      return { status: redeemedBefore === "1" ? "reused" : "valid", grant };
    },
    async recordIssued(codeHash, issued) {
      const recorded = await RECORD_ISSUED.run(redis, [key(codeHash)], [JSON.stringify(issued)]);
      return recorded === 1 ? "recorded" : "replayed";
    },
    async markReplayed(codeHash) {
      const issuedJson = await MARK_REPLAYED.run(redis, [key(codeHash)], []);
      return issuedJson === "" ? void 0 : JSON.parse(issuedJson);
    }
  };
}

// src/oauth/client-registry.ts
import { createHash as createHash8, timingSafeEqual as timingSafeEqual4 } from "node:crypto";
function createClientRegistry(seed, passwords) {
  const clients = /* @__PURE__ */ new Map();
  for (const client of seed?.clients ?? []) {
    let secret;
    if ("secret" in client) secret = { kind: "sha256", digest: sha256(client.secret) };
    if ("secretHash" in client) secret = { kind: "bcrypt", hash: client.secretHash };
    clients.set(
      client.clientId,
      Object.freeze({
        clientId: client.clientId,
        type: client.type,
        redirectUris: Object.freeze([...client.redirectUris]),
        scopes: Object.freeze([...client.scopes]),
        grantTypes: Object.freeze([...client.grantTypes]),
        secret
      })
    );
  }
  return {
    find: (clientId2) => clients.get(clientId2),
    async verifySecret(client, presented) {
      const secret = client.secret;
      if (secret === void 0) return false;
      if (secret.kind === "bcrypt") return passwords.verify(presented, secret.hash);
      return timingSafeEqual4(sha256(presented), secret.digest);
    }
  };
}
function sha256(value) {
  return createHash8("sha256").update(value, "utf8").digest();
}

// src/oauth/form-protection.ts
import { createHmac as createHmac2, timingSafeEqual as timingSafeEqual5 } from "node:crypto";
function createFormProtection(options) {
  const ttlSeconds = options.ttlSeconds ?? 600;
  const now = options.now ?? Date.now;
  const mac = (expiresAt, fields) => {
    const canonical = Object.keys(fields).sort().map((name) => `${name}=${encodeURIComponent(fields[name] ?? "")}`).join("&");
    return createHmac2("sha256", options.key).update(`${expiresAt}
${canonical}`).digest("base64url");
  };
  return {
    issue(fields) {
      const expiresAt = Math.floor(now() / 1e3) + ttlSeconds;
      return `${expiresAt}.${mac(expiresAt, fields)}`;
    },
    verify(token, fields) {
      const [expiresText, signature] = token.split(".");
      const expiresAt = Number(expiresText);
      if (!Number.isInteger(expiresAt) || signature === void 0 || expiresAt < Math.floor(now() / 1e3)) return false;
      const expected = Buffer.from(mac(expiresAt, fields));
      const presented = Buffer.from(signature);
      return presented.length === expected.length && timingSafeEqual5(presented, expected);
    }
  };
}

// src/oauth/client-authentication.ts
async function authenticateClient(registry, headers, body, options) {
  const basic = readBasicCredentials(headers.authorization);
  const postedId = body["client_id"];
  const postedSecret = body["client_secret"];
  if (basic !== void 0 && postedSecret !== void 0) {
    throw new OAuthError("invalid_request", "Use one client authentication method, not several");
  }
  if (basic !== void 0 && postedId !== void 0 && postedId !== basic.clientId) {
    throw new OAuthError("invalid_request", "client_id does not match the authenticated client");
  }
  const clientId2 = basic?.clientId ?? postedId;
  const secret = basic?.secret ?? postedSecret;
  const method = basic !== void 0 ? "client_secret_basic" : secret !== void 0 ? "client_secret_post" : "none";
  const invalid = () => new OAuthError("invalid_client", "Client authentication failed", { status: 401 });
  if (clientId2 === void 0) throw invalid();
  const client = registry.find(clientId2);
  if (client === void 0) throw invalid();
  if (client.type === "confidential") {
    if (secret === void 0 || !await registry.verifySecret(client, secret)) throw invalid();
    return { client, method };
  }
  if (secret !== void 0 || options.requireConfidential) throw invalid();
  return { client, method: "none" };
}
function readBasicCredentials(authorization) {
  if (authorization === void 0) return void 0;
  const match = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
  if (match?.[1] === void 0) return void 0;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) throw new OAuthError("invalid_client", "Client authentication failed", { status: 401 });
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "))
    };
  } catch {
    throw new OAuthError("invalid_client", "Client authentication failed", { status: 401 });
  }
}

// src/oauth/limit-oauth-requests.ts
function createOAuthBudgets(deps) {
  const { oauthLimits } = deps.config;
  const budget2 = (name, limit, key) => {
    const policy = { name, points: limit.points, durationSeconds: limit.durationSeconds, blockDurationSeconds: 0, key, cost: 1 };
    return { policy, limiter: deps.rateLimits.limiterFor(policy) };
  };
  const authorize2 = budget2("oauth.authorize", oauthLimits.authorize, "ip");
  const perClient = budget2("oauth.client", oauthLimits.client, "principal");
  const failures = budget2("oauth.client_auth_failures", oauthLimits.clientAuthFailures, "ip");
  async function spend(reply, { policy, limiter }, key, message) {
    let refused = false;
    const res = await limiter.consume(key, 1).catch((rejection) => {
      if (!isLimitHit(rejection)) throw rejection;
      refused = true;
      return rejection;
    });
    const snapshot = snapshotOf(policy, res, refused);
    reply.headers(rateLimitHeaders(snapshot));
    if (refused) {
      const retryAfterSeconds = Math.max(1, Math.ceil(rateLimitErrorData(snapshot).retryAfterMs / 1e3));
      throw new OAuthError("too_many_requests", message, { retryAfterSeconds });
    }
  }
  async function refuseWhenSpent(reply, { policy, limiter }, key, message) {
    const res = await limiter.get(key);
    if (res === null || res.consumedPoints < policy.points) return;
    const snapshot = snapshotOf(policy, res, true);
    reply.headers(rateLimitHeaders(snapshot));
    const retryAfterSeconds = Math.max(1, Math.ceil(rateLimitErrorData(snapshot).retryAfterMs / 1e3));
    throw new OAuthError("too_many_requests", message, { retryAfterSeconds });
  }
  return {
    chargeAuthorize(request, reply) {
      return spend(reply, authorize2, `ip:${clientKey(request.ip)}`, "Too many sign-in requests from this address; retry later");
    },
    async authenticate(request, reply, registry, parameters, options) {
      const ipKey = `ip:${clientKey(request.ip)}`;
      await refuseWhenSpent(reply, failures, ipKey, "Too many failed client authentications from this address; retry later");
      let authenticated;
      try {
        authenticated = await authenticateClient(registry, request.headers, parameters, options);
      } catch (error) {
        if (error instanceof OAuthError && error.error === "invalid_client") await failures.limiter.penalty(ipKey, 1);
        throw error;
      }
      const { client } = authenticated;
      const key = client.type === "confidential" ? `client:${client.clientId}` : `client:${client.clientId}:${ipKey}`;
      await spend(reply, perClient, key, "This client has made too many requests; retry later");
      return authenticated;
    }
  };
}

// src/oauth/oauth-services.ts
function createOAuthServices(deps, seed) {
  const { config } = deps;
  return {
    clients: createClientRegistry(seed, deps.passwords),
    codes: config.store.kind === "redis" && deps.redis !== void 0 ? createRedisAuthorizationCodeStore(deps.redis, config.store.keyPrefix) : createMemoryAuthorizationCodeStore(),
    formProtection: createFormProtection({ key: deps.signingKeys.deriveSecret("oauth-authorize-form") }),
    budgets: createOAuthBudgets(deps)
  };
}

// src/oauth/introspect-endpoint.ts
var INACTIVE = { active: false };
function registerIntrospectEndpoint(app, deps, oauth) {
  app.post("/oauth/introspect", async (request, reply) => {
    try {
      const parameters = readFormParameters(request.body);
      await oauth.budgets.authenticate(request, reply, oauth.clients, parameters, { requireConfidential: true });
      const token = parameters["token"];
      if (token === void 0) throw new OAuthError("invalid_request", "token is required");
      const answer = looksLikeApiKey(token) ? await introspectApiKey(token) : looksLikeRefreshToken(token) ? await introspectRefreshToken(token) : await introspectAccessToken(token);
      return sendNoStoreJson(reply, answer);
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error);
      if (error instanceof StoreUnavailableError) {
        return sendOAuthError(reply, new OAuthError("temporarily_unavailable", "Try again shortly", { retryAfterSeconds: 1 }));
      }
      throw error;
    }
  });
  async function introspectAccessToken(token) {
    const access = await deps.accessTokens.verify(token).catch(() => void 0);
    if (access === void 0 || await deps.revocation.isRevoked(access)) return INACTIVE;
    return {
      active: true,
      token_type: "Bearer",
      scope: access.scopes.join(" "),
      client_id: access.clientId,
      sub: access.subject,
      exp: access.expiresAt,
      iat: access.issuedAt,
      jti: access.jti,
      iss: deps.config.issuer,
      aud: deps.config.audience
    };
  }
  async function introspectApiKey(key) {
    const record = await deps.apiKeys.verify(key).catch((error) => {
      if (error instanceof AuthFailure) return void 0;
      throw error;
    });
    if (record === void 0) return INACTIVE;
    const owner = await deps.users.findById(record.ownerId);
    if (owner === void 0) return INACTIVE;
    const held = scopesOfRole(owner.role);
    return {
      active: true,
      token_type: "api_key",
      scope: record.scopes.filter((scope) => held.includes(scope)).join(" "),
      sub: owner.id,
      iat: Math.floor(record.createdAt.getTime() / 1e3),
      ...record.expiresAt === void 0 ? {} : { exp: Math.floor(record.expiresAt.getTime() / 1e3) },
      iss: deps.config.issuer
    };
  }
  async function introspectRefreshToken(token) {
    const state = await deps.refreshTokens.inspect(token);
    if (state === void 0 || !state.active) return INACTIVE;
    const { family } = state;
    return {
      active: true,
      token_type: "refresh_token",
      scope: family.scopes.join(" "),
      client_id: family.clientId,
      sub: family.userId,
      exp: Math.floor(family.expiresAtMs / 1e3),
      iss: deps.config.issuer
    };
  }
}

// src/oauth/revoke-endpoint.ts
function registerRevokeEndpoint(app, deps, oauth) {
  app.post("/oauth/revoke", async (request, reply) => {
    try {
      const parameters = readFormParameters(request.body);
      const { client } = await oauth.budgets.authenticate(request, reply, oauth.clients, parameters, { requireConfidential: false });
      const token = parameters["token"];
      if (token === void 0) throw new OAuthError("invalid_request", "token is required");
      const origin = { ip: normaliseIp(request.ip), requestId: request.id, principal: `client:${client.clientId}` };
      if (looksLikeRefreshToken(token)) {
        const state = await deps.refreshTokens.inspect(token);
        if (state !== void 0 && state.family.clientId === client.clientId && await deps.refreshTokens.revokeFamily(state.family.familyId)) {
          deps.events.emit("token.revoked", origin, { kind: "refresh_token", familyId: state.family.familyId, clientId: client.clientId });
        }
      } else {
        const access = await deps.accessTokens.verify(token).catch(() => void 0);
        if (access !== void 0 && access.clientId === client.clientId) {
          await deps.tokens.revokeAccessToken(access.jti, access.expiresAt);
          deps.events.emit("token.revoked", origin, { kind: "access_token", jti: access.jti, clientId: client.clientId });
        }
      }
      return sendNoStoreJson(reply, {});
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error);
      throw error;
    }
  });
}

// src/oauth/grants/authorization-code.ts
var REMEMBER_REDEEMED_CODE_SECONDS = 600;
var invalidGrant = () => new OAuthError("invalid_grant", "The authorization code is invalid, expired or was issued to another client");
function redirectUriAgrees(grant, presented) {
  return presented === void 0 ? grant.redirectUriOmitted === true : presented === grant.redirectUri;
}
async function authorizationCodeGrant(deps, oauth, authenticated, parameters, origin) {
  const { client } = authenticated;
  if (!client.grantTypes.includes("authorization_code")) {
    throw new OAuthError("unauthorized_client", "This client may not use authorization_code");
  }
  const { code, redirect_uri: redirectUri2, code_verifier: codeVerifier } = parameters;
  if (code === void 0 || codeVerifier === void 0) {
    throw new OAuthError("invalid_request", "code and code_verifier are required");
  }
  const reportReuse = (grant2, familyId) => deps.events.emit("token.reuse_detected", { ...origin, principal: `user:${grant2.userId}` }, {
    kind: "authorization_code",
    clientId: grant2.clientId,
    familyId
  });
  const codeHash = hashOpaqueToken(code);
  const redemption = await oauth.codes.redeem(codeHash, REMEMBER_REDEEMED_CODE_SECONDS);
  if (redemption.status === "unknown") throw invalidGrant();
  if (redemption.status === "reused") {
    if (redemption.grant.clientId !== client.clientId) throw invalidGrant();
    const issued = await oauth.codes.markReplayed(codeHash);
    if (issued !== void 0) await deps.refreshTokens.revokeFamily(issued.familyId);
    reportReuse(redemption.grant, issued?.familyId ?? null);
    throw invalidGrant();
  }
  const { grant } = redemption;
  if (grant.clientId !== client.clientId || !redirectUriAgrees(grant, redirectUri2) || !verifyCodeVerifier(codeVerifier, grant.codeChallenge)) {
    throw invalidGrant();
  }
  const user = await deps.users.findById(grant.userId);
  if (user === void 0) throw invalidGrant();
  const scopes = grantableScopes({ requested: grant.scopes, clientAllows: client.scopes, subjectHolds: scopesOfRole(user.role) });
  if (scopes.length === 0) throw new OAuthError("invalid_scope", "None of the consented scopes can still be granted");
  const refresh2 = await deps.refreshTokens.startFamily({ userId: user.id, clientId: client.clientId, scopes });
  const access = await deps.accessTokens.issue({
    subject: user.id,
    clientId: client.clientId,
    scopes,
    grant: "user",
    sessionId: refresh2.familyId,
    notAfter: refresh2.expiresAt
  });
  const recording = await oauth.codes.recordIssued(codeHash, {
    familyId: refresh2.familyId,
    accessTokenJti: access.jti,
    accessTokenExpiresAt: Math.floor(access.expiresAt.getTime() / 1e3)
  });
  if (recording === "replayed") {
    await deps.refreshTokens.revokeFamily(refresh2.familyId);
    reportReuse(grant, refresh2.familyId);
    throw invalidGrant();
  }
  return {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    scope: access.scope,
    refresh_token: refresh2.token
  };
}

// src/oauth/grants/client-credentials.ts
async function clientCredentialsGrant(deps, authenticated, parameters) {
  const { client } = authenticated;
  if (client.type !== "confidential" || !client.grantTypes.includes("client_credentials")) {
    throw new OAuthError("unauthorized_client", "This client may not use client_credentials");
  }
  const requested = parseScopeOrThrow(parameters["scope"]);
  const scopes = requested === void 0 ? [...client.scopes] : requested.filter((scope) => client.scopes.includes(scope));
  if (scopes.length === 0) throw new OAuthError("invalid_scope", "None of the requested scopes can be granted to this client");
  const access = await deps.accessTokens.issue({
    subject: client.clientId,
    clientId: client.clientId,
    scopes,
    grant: "client_credentials"
  });
  return { access_token: access.token, token_type: "Bearer", expires_in: access.expiresIn, scope: access.scope };
}
function parseScopeOrThrow(scope) {
  try {
    return parseScopeParameter(scope);
  } catch {
    throw new OAuthError("invalid_scope", "The request names a scope this server does not have");
  }
}

// src/oauth/grants/refresh-token.ts
async function refreshTokenGrant(deps, authenticated, parameters, origin) {
  const { client } = authenticated;
  if (!client.grantTypes.includes("refresh_token")) throw new OAuthError("unauthorized_client", "This client may not use refresh_token");
  const presented = parameters["refresh_token"];
  if (presented === void 0) throw new OAuthError("invalid_request", "refresh_token is required");
  const narrowed = parseScopeOrThrow(parameters["scope"]);
  const state = await deps.refreshTokens.inspect(presented);
  if (state === void 0) throw new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked");
  if (narrowed !== void 0 && !narrowed.every((scope) => state.family.scopes.includes(scope))) {
    throw new OAuthError("invalid_scope", "A refreshed token cannot carry scopes the grant did not");
  }
  const user = await deps.users.findById(state.family.userId);
  if (user === void 0) throw new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked");
  const scopes = grantableScopes({ requested: narrowed ?? state.family.scopes, clientAllows: client.scopes, subjectHolds: scopesOfRole(user.role) });
  if (scopes.length === 0) throw new OAuthError("invalid_scope", "None of the granted scopes can still be issued");
  const outcome = await deps.refreshTokens.rotate(presented, { clientId: client.clientId, origin });
  if (!outcome.ok) throw new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked");
  const { family } = outcome;
  const access = await deps.accessTokens.issue({
    subject: user.id,
    clientId: client.clientId,
    scopes,
    grant: "user",
    sessionId: family.familyId,
    notAfter: outcome.refreshToken.expiresAt
  });
  return {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    scope: access.scope,
    refresh_token: outcome.refreshToken.token
  };
}

// src/oauth/token-endpoint.ts
function registerTokenEndpoint(app, deps, oauth) {
  app.post("/oauth/token", async (request, reply) => {
    const origin = (clientId2) => ({ ip: normaliseIp(request.ip), requestId: request.id, principal: `client:${clientId2}` });
    try {
      const parameters = readFormParameters(request.body);
      const grantType = parameters["grant_type"];
      if (grantType === void 0) throw new OAuthError("invalid_request", "grant_type is required");
      const authenticated = await oauth.budgets.authenticate(request, reply, oauth.clients, parameters, {
        requireConfidential: grantType === "client_credentials"
      });
      let response;
      switch (grantType) {
        case "client_credentials":
          response = await clientCredentialsGrant(deps, authenticated, parameters);
          break;
        case "authorization_code":
          response = await authorizationCodeGrant(deps, oauth, authenticated, parameters, origin(authenticated.client.clientId));
          break;
        case "refresh_token":
          response = await refreshTokenGrant(deps, authenticated, parameters, origin(authenticated.client.clientId));
          break;
        default:
          throw new OAuthError("unsupported_grant_type", "Supported grant types: authorization_code, refresh_token, client_credentials");
      }
      return sendNoStoreJson(reply, response);
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error);
      if (error instanceof StoreUnavailableError) {
        return sendOAuthError(reply, new OAuthError("temporarily_unavailable", "Try again shortly", { retryAfterSeconds: 1 }));
      }
      throw error;
    }
  });
}

// src/oauth/register-oauth-routes.ts
async function registerOAuthRoutes(app, deps, seed) {
  const oauth = createOAuthServices(deps, seed);
  registerMetadataRoutes(app, deps.config);
  await app.register(async (scope) => {
    await scope.register(formBody);
    registerAuthorizeEndpoint(scope, deps, oauth);
    registerTokenEndpoint(scope, deps, oauth);
    registerRevokeEndpoint(scope, deps, oauth);
    registerIntrospectEndpoint(scope, deps, oauth);
    answerOtherMethods(scope, "/oauth/authorize", ["GET", "HEAD", "POST"]);
    for (const url of ["/oauth/token", "/oauth/revoke", "/oauth/introspect"]) answerOtherMethods(scope, url, ["POST"]);
  });
}

// src/seed/apply-seed-services.ts
function applySeedServices(seed, services) {
  for (const service2 of seed.services) services.register(service2);
  return seed.services.length;
}

// src/seed/apply-seed-clients.ts
function applySeedClients(seed, clients) {
  for (const client of seed.clients) clients.register(client.clientId);
  return seed.clients.length;
}

// src/metrics/metrics-endpoint.ts
import Fastify from "fastify";
function createMetricsEndpoint(config, metrics, logger) {
  const address = config.metrics;
  let app;
  let url;
  return {
    get url() {
      return url;
    },
    async listen() {
      if (address === void 0) return void 0;
      app = Fastify({ logger: false });
      app.get("/metrics", async (_request, reply) => {
        reply.header("content-type", metrics.registry.contentType).header("cache-control", "no-store");
        return metrics.registry.metrics();
      });
      url = (await app.listen({ host: address.host, port: address.port })).replace(/\/$/, "");
      logger.info({ url: `${url}/metrics` }, "metrics listening");
      return url;
    },
    async close() {
      await app?.close();
      url = void 0;
    }
  };
}

// src/http/cors.ts
import fastifyCors from "@fastify/cors";
var CORS_EXCLUDED_ROUTES = ["/oauth/authorize"];
var ALLOWED_HEADERS = ["authorization", "content-type", "x-api-key", "x-csrf-token", CSRF_HEADER, "trpc-accept"];
var EXPOSED_HEADERS = [
  "x-request-id",
  "retry-after",
  "www-authenticate",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "ratelimit",
  "ratelimit-policy"
];
var NO_CORS = { origin: false };
function corsOptionsFor(route, origin, allowedOrigins) {
  if (route === void 0 || isExcludedRoute(route)) return NO_CORS;
  if (origin === void 0 || !allowedOrigins.has(origin)) return NO_CORS;
  return {
    origin,
    credentials: true,
    methods: ["GET", "POST"],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    strictPreflight: true
  };
}
var ONLY_VARY = [["vary", "Origin"]];
function corsResponseHeaders(route, origin, allowedOrigins) {
  if (origin === void 0 || !allowedOrigins.has(origin)) return ONLY_VARY;
  if (corsOptionsFor(route, origin, allowedOrigins).origin === false) return ONLY_VARY;
  return [
    ["vary", "Origin"],
    ["access-control-allow-origin", origin],
    ["access-control-allow-credentials", "true"],
    ["access-control-expose-headers", EXPOSED_HEADERS.join(", ")]
  ];
}
async function registerCors(app, config) {
  const allowed = new Set(config.corsOrigins);
  await app.register(fastifyCors, {
    delegator: (request, callback) => callback(null, corsOptionsFor(request.routeOptions.url, request.headers.origin, allowed))
  });
  for (const route of CORS_EXCLUDED_ROUTES) {
    app.options(route, function refusePreflight(_request, reply) {
      reply.callNotFound();
    });
  }
}
function isExcludedRoute(route) {
  return CORS_EXCLUDED_ROUTES.some((excluded) => route === excluded || route.startsWith(`${excluded}/`));
}

// src/http/edge-errors.ts
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { v4 as uuidv47 } from "uuid";

// src/http/security-headers.ts
import fastifyHelmet from "@fastify/helmet";
import helmet from "helmet";
var HSTS = "max-age=31536000; includeSubDomains";
var SECURITY_HEADER_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"] }
  },
  frameguard: { action: "deny" },
  referrerPolicy: { policy: "no-referrer" },
  noSniff: true,
  // Set below from the request's own scheme, so plain-HTTP development never pins HSTS on localhost.
  hsts: false,
  crossOriginResourcePolicy: { policy: "same-origin" }
};
var SECURITY_HEADERS = recordHelmetHeaders();
var HSTS_HEADER = ["strict-transport-security", HSTS];
function recordHelmetHeaders() {
  const recorded = /* @__PURE__ */ new Map();
  const recorder = {
    setHeader(name, value) {
      recorded.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value));
    },
    removeHeader(name) {
      recorded.delete(name.toLowerCase());
    }
  };
  let finished = false;
  helmet(SECURITY_HEADER_OPTIONS)(
    {},
    recorder,
    (error) => {
      if (error !== void 0) throw error;
      finished = true;
    }
  );
  if (!finished) throw new Error("helmet did not finish synchronously: SECURITY_HEADERS cannot be recorded");
  return Object.freeze([...recorded].map(([name, value]) => Object.freeze([name, value])));
}
async function registerSecurityHeaders(app) {
  await app.register(fastifyHelmet, { ...SECURITY_HEADER_OPTIONS, global: false });
  app.addHook("onRequest", function applySecurityHeaders(request, reply, done) {
    if (request.routeOptions.config.helmet !== void 0) return done();
    for (const [name, value] of SECURITY_HEADERS) reply.raw.setHeader(name, value);
    done();
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    if (request.protocol === "https") reply.header(...HSTS_HEADER);
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    done(null, payload);
  });
}

// src/http/edge-errors.ts
var CODE_BY_STATUS = {
  400: "BAD_REQUEST",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  408: "TIMEOUT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE"
};
var MESSAGES2 = {
  400: "The request could not be read",
  404: "Nothing is served at this path",
  405: "This method is not allowed here",
  408: "The request took too long to arrive",
  413: "The request body is too large",
  414: "The request target is too long",
  415: "Unsupported content type: send application/json",
  429: "Too many requests",
  431: "The request headers are too large",
  500: "Internal server error",
  503: "The server is shutting down: retry on another connection"
};
function surfaceOf(route, url) {
  const path = route ?? routerPath(url);
  return path === "/trpc" || path.startsWith("/trpc/") ? "trpc" : "http";
}
function edgeErrorBody(error, requestId, surface) {
  const statusCode = error.statusCode;
  const status = statusCode !== void 0 && (statusCode >= 400 && statusCode < 500 || statusCode === 503) ? statusCode : 500;
  const code = CODE_BY_STATUS[status] ?? (status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST");
  const message = MESSAGES2[status] ?? "The request was refused";
  const body = surface === "trpc" ? { error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus: status, requestId } } } : { error: code.toLowerCase(), error_description: message, requestId };
  return { status, body };
}
var UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE";
function stampTrpcErrors(body, requestId) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  let changed = false;
  for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
    const error = item?.error;
    if (typeof error !== "object" || error === null || typeof error.data !== "object" || error.data === null) continue;
    if (error.data["requestId"] === void 0) {
      error.data["requestId"] = requestId;
      changed = true;
    }
    if (error.data["code"] === UNSUPPORTED_MEDIA_TYPE && error.message !== MESSAGES2[415]) {
      error.message = MESSAGES2[415];
      changed = true;
    }
  }
  return changed ? JSON.stringify(parsed) : body;
}
function registerEdgeErrorHandler(app, trpcRoute) {
  app.setErrorHandler(function answerEdgeError(error, request, reply) {
    const { status, body } = edgeErrorBody(error, request.id, surfaceOf(request.routeOptions.url, request.url));
    if (status >= 500) request.log.error({ err: error }, "request failed");
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler(function answerNotFound(request, reply) {
    const { status, body } = edgeErrorBody({ statusCode: 404 }, request.id, surfaceOf(void 0, request.url));
    return reply.status(status).send(body);
  });
  app.addHook("onSend", function stampTrpcErrorAnswers(request, reply, payload, done) {
    if (request.routeOptions.url !== trpcRoute) return done(null, payload);
    if (payload instanceof Response) {
      if (payload.status < 400) return done(null, payload);
      payload.text().then((text) => {
        const headers = new Headers(payload.headers);
        headers.delete("content-length");
        done(null, new Response(stampTrpcErrors(text, request.id), { status: payload.status, statusText: payload.statusText, headers }));
      }, done);
      return;
    }
    if (reply.statusCode < 400 || !Buffer.isBuffer(payload)) return done(null, payload);
    done(null, Buffer.from(stampTrpcErrors(payload.toString("utf8"), request.id)));
  });
}
function answerFrameworkError(error, request, reply) {
  const status = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? 414 : 400;
  const { body } = edgeErrorBody({ statusCode: status }, request.id, surfaceOf(void 0, request.url));
  for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
  void reply.status(status).header("x-request-id", request.id).send(body);
}
function answerClientError(error, socket) {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  if (socket.writable) {
    const requestId = uuidv47();
    const packet = error.rawPacket;
    const requestLine = Buffer.isBuffer(packet) ? packet.subarray(0, 256).toString("latin1").split("\r\n", 1)[0] ?? "" : "";
    const { body } = edgeErrorBody({ statusCode: status }, requestId, surfaceOf(void 0, requestLine.split(" ")[1] ?? ""));
    const json = JSON.stringify(body);
    const headers = [
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}`,
      "content-type: application/json; charset=utf-8",
      `content-length: ${Buffer.byteLength(json)}`,
      `x-request-id: ${requestId}`,
      "cache-control: no-store",
      "connection: close",
      ...SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`)
    ];
    socket.write(`${headers.join("\r\n")}\r
\r
${json}`);
  }
  socket.destroy();
}
var STATUS_TEXT = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };
function routerPath(url) {
  let path = url;
  if (!path.startsWith("/")) path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "") || "/";
  const queryStart = path.indexOf("?");
  if (queryStart !== -1) path = path.slice(0, queryStart);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

// src/http/edge-timeouts.ts
var EDGE_TIMEOUTS = Object.freeze({
  headersMs: 1e4,
  requestMs: 3e4,
  keepAliveMs: 72e3,
  socketIdleMs: 12e4
});
function nodeServerOptions(timeouts) {
  if (timeouts.headersMs > timeouts.requestMs) throw new RangeError("EdgeTimeouts: headersMs must not exceed requestMs");
  return {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1e3, Math.floor(timeouts.headersMs / 4)))
  };
}
function applyEdgeTimeouts(server, timeouts) {
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.setTimeout(timeouts.socketIdleMs);
  return server;
}

// src/http/fast-trpc/trpc-fast-lane.ts
import { performance as performance4 } from "node:perf_hooks";
import { v4 as uuidv48 } from "uuid";

// src/http/trpc-route.ts
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";

// src/auth/authenticate.ts
import { TRPCError as TRPCError19 } from "@trpc/server";

// src/auth/assert-not-revoked.ts
async function assertNotRevoked(revocation, token) {
  const revoked = await revocation.isRevoked(token).catch(rethrowUnavailable);
  if (revoked) throw new AuthFailure("revoked_token");
}

// src/auth/authenticate-api-key.ts
async function authenticateApiKey(deps, key) {
  const record = await deps.apiKeys.verify(key).catch(rethrowUnavailable);
  const owner = await deps.users.findById(record.ownerId).catch(rethrowUnavailable);
  if (owner === void 0) throw new AuthFailure("invalid_token");
  const held = scopesOfRole(owner.role);
  return {
    kind: "user",
    userId: owner.id,
    scopes: record.scopes.filter((scope) => held.includes(scope)),
    credential: { type: "api_key", keyId: record.id }
  };
}

// src/auth/authenticate.ts
var BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
function refuseSecondCredential() {
  throw new TRPCError19({
    code: "BAD_REQUEST",
    message: "Send one credential: an Authorization header, an X-API-Key header or a client certificate, not several"
  });
}
function readCredential(headers) {
  const authorization = headers.authorization;
  const apiKey = headers["x-api-key"];
  if (apiKey !== void 0 && apiKey !== "") {
    if (authorization !== void 0 && authorization !== "") refuseSecondCredential();
    return { type: "api_key", key: Array.isArray(apiKey) ? apiKey.join(", ") : apiKey };
  }
  if (authorization === void 0 || authorization === "") return { type: "none" };
  const match = BEARER.exec(authorization);
  if (match?.[1] === void 0) throw new AuthFailure("invalid_token");
  if (looksLikeApiKey(match[1])) return { type: "api_key", key: match[1] };
  return { type: "bearer", token: match[1] };
}
function createAuthenticator(deps) {
  return async function authenticate(headers, certificate, ctx) {
    if (ctx !== void 0 && ((headers.authorization ?? "") !== "" || (headers["x-api-key"] ?? "") !== "")) {
      return withFailedAuthBudget(ctx, () => authenticate(headers, certificate), (error) => error instanceof AuthFailure);
    }
    const credential = readCredential(headers);
    const service2 = certificate === void 0 ? void 0 : deps.services.byFingerprint(certificate.fingerprint);
    if (service2 !== void 0) {
      if (credential.type !== "none") refuseSecondCredential();
      return { kind: "service", id: service2.name, scopes: service2.scopes, credential: { type: "certificate", fingerprint: service2.certSha256 } };
    }
    if (credential.type === "none") return void 0;
    deps.metrics.credentialChecks.inc({ credential: credential.type });
    if (credential.type === "api_key") return authenticateApiKey(deps, credential.key);
    const token = await deps.accessTokens.verify(credential.token);
    await assertNotRevoked(deps.revocation, token);
    await deps.principals.assertPresent(token);
    const proof = { type: "access_token", jti: token.jti, clientId: token.clientId, expiresAt: token.expiresAt, sessionId: token.sessionId };
    if (token.grant === "client_credentials") {
      return { kind: "client", id: token.clientId, scopes: token.scopes, credential: proof };
    }
    return { kind: "user", userId: token.subject, scopes: token.scopes, credential: proof };
  };
}

// src/http/client-certificate.ts
import { TLSSocket } from "node:tls";
function verifiedClientCertificate(socket) {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return void 0;
  const certificate = socket.getPeerCertificate();
  if (typeof certificate.fingerprint256 !== "string" || certificate.fingerprint256 === "") return void 0;
  return { fingerprint: certificate.fingerprint256.replaceAll(":", "").toLowerCase() };
}

// src/http/fast-trpc/fast-trpc-plugin.ts
import {
  fastifyRequestHandler
} from "@trpc/server/adapters/fastify";

// src/http/fast-trpc/client-abort-signal.ts
function clientAbortSignal(request, response) {
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableEnded) controller.abort();
  });
  request.once("aborted", () => controller.abort());
  return controller.signal;
}

// src/http/fast-trpc/is-plain-json-request.ts
function isPlainJsonRequest(method, headers, search) {
  if (method !== "GET" && method !== "POST") return false;
  if (headers["trpc-accept"] !== void 0) return false;
  const accept = headers.accept;
  if (accept !== void 0 && accept.includes("application/jsonl")) return false;
  const contentType = headers["content-type"];
  if (contentType === void 0) {
    if (method === "POST") return false;
  } else if (mediaType(contentType) !== "application/json") {
    return false;
  }
  return !search.has("connectionParams");
}
function mediaType(contentType) {
  const end = contentType.indexOf(";");
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

// src/http/fast-trpc/resolve-json-request.ts
import {
  defaultTransformer,
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown as getTRPCErrorFromUnknown2,
  isObject,
  transformTRPCResponse,
  TRPCError as TRPCError20
} from "@trpc/server/unstable-core-do-not-import";
var HAND_OVER = void 0;
var ACCEPTED_METHODS = { query: "GET", mutation: "POST", subscription: "GET" };
async function resolveJsonRequest(request, options) {
  return new JsonResolution(request, options).resolve();
}
var JsonResolution = class {
  #request;
  #options;
  #config;
  #headers = { vary: "trpc-accept, accept" };
  #info;
  #ctx;
  #ctxError;
  #ctxCreated = false;
  constructor(request, options) {
    this.#request = request;
    this.#options = options;
    this.#config = options.router._def._config;
  }
  async resolve() {
    let info;
    try {
      info = await readRequestInfo(this.#request, this.#options);
      this.#info = info;
      if (info.type === "subscription") return HAND_OVER;
    } catch (cause) {
      return this.#answerFailure(cause);
    }
    try {
      try {
        this.#ctx = await this.#options.createContext(info, this.#request.req);
      } catch (cause) {
        this.#ctxError = getTRPCErrorFromUnknown2(cause);
      }
      this.#ctxCreated = true;
      const calls = info.calls;
      const outcomes = calls.length === 1 ? [await this.#runCall(calls[0])] : await Promise.all(calls.map((call) => this.#runCall(call)));
      this.#headers["content-type"] = "application/json";
      const responses = [];
      const errors = [];
      for (let index = 0; index < outcomes.length; index += 1) {
        const [error, result] = outcomes[index];
        if (error === void 0) {
          responses.push({ result: { data: result.data } });
          continue;
        }
        const call = calls[index];
        errors.push(error);
        const shape = getErrorShape({ config: this.#config, ctx: this.#ctx, error, input: call.result(), path: call.path, type: call.procedure?._def.type ?? "unknown" });
        responses.push({ error: shape });
      }
      const status = this.#applyResponseMeta(responses, errors, getHTTPStatusCode(responses, outcomes.map(([error]) => error)));
      const payload = info.isBatchCall ? responses : responses[0];
      return { status, headers: this.#headers, body: JSON.stringify(serialize(this.#config, payload)) };
    } catch (cause) {
      return this.#answerFailure(cause);
    }
  }
  async #runCall(call) {
    const procedure = call.procedure;
    try {
      if (procedure === null) throw new TRPCError20({ code: "NOT_FOUND", message: `No procedure found on path "${call.path}"` });
      const type = procedure._def.type;
      const method = this.#request.method;
      if (ACCEPTED_METHODS[type] !== method) {
        this.#headers["allow"] = ACCEPTED_METHODS[type];
        throw new TRPCError20({ code: "METHOD_NOT_SUPPORTED", message: `Unsupported ${method}-request to ${type} procedure at path "${call.path}"` });
      }
      if (this.#ctxError !== void 0) throw this.#ctxError;
      const data = await procedure({
        path: call.path,
        getRawInput: call.getRawInput,
        ctx: this.#ctx,
        type,
        // Unary procedures do not observe it, and building one per call costs more than most of them.
        signal: void 0,
        batchIndex: call.batchIndex
      });
      if (isDataStream(data)) {
        throw new TRPCError20({ code: "UNSUPPORTED_MEDIA_TYPE", message: "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink" });
      }
      return [void 0, { data }];
    } catch (cause) {
      const error = getTRPCErrorFromUnknown2(cause);
      const ctx = this.#ctxCreated ? this.#ctx : void 0;
      this.#options.onError?.({ error, path: call.path, input: call.result(), ctx, type: procedure?._def.type ?? "unknown", req: this.#request.req });
      return [error, void 0];
    }
  }
  /** An error before any call ran (bad path, too big a batch, mixed types): one error, ctx as far as it got. */
  #answerFailure(cause) {
    const error = getTRPCErrorFromUnknown2(cause);
    const type = this.#info?.type ?? "unknown";
    const currentCtx = this.#ctxCreated && this.#ctxError === void 0 ? this.#ctx : void 0;
    this.#options.onError?.({ error, path: void 0, input: void 0, ctx: currentCtx, type, req: this.#request.req });
    const response = { error: getErrorShape({ config: this.#config, error, type, path: void 0, input: void 0, ctx: currentCtx }) };
    const status = this.#applyResponseMeta([response], [error], getHTTPStatusCode(response, [error]), currentCtx);
    this.#headers["content-type"] ??= "text/plain;charset=UTF-8";
    return { status, headers: this.#headers, body: JSON.stringify(serialize(this.#config, response)) };
  }
  #applyResponseMeta(data, errors, status, metaCtx = this.#ctxError === void 0 ? this.#ctx : void 0) {
    const info = this.#info;
    const meta = this.#options.responseMeta?.({
      ctx: metaCtx,
      info,
      paths: info?.calls.map((call) => call.path),
      data,
      errors,
      eagerGeneration: false,
      // The calls' one type, as readRequestInfo found it ('unknown' when no procedure was).
      type: info?.type ?? "unknown"
    }) ?? {};
    const headers = this.#headers;
    if (meta.headers instanceof Headers) {
      meta.headers.forEach((value, name) => appendHeader(headers, name, value));
    } else if (meta.headers !== void 0) {
      for (const name in meta.headers) {
        const value = meta.headers[name];
        if (Array.isArray(value)) for (const item of value) appendHeader(headers, name, item);
        else if (typeof value === "string") headers[name.toLowerCase()] = value;
      }
    }
    return meta.status ?? status;
  }
};
async function readRequestInfo(request, options) {
  const { router, maxBatchSize } = options;
  const path = decodePath(request.path);
  const isBatchCall = request.searchParams.get("batch") === "1";
  const paths = isBatchCall ? path.split(",") : [path];
  if (isBatchCall && typeof maxBatchSize === "number" && paths.length > maxBatchSize) {
    throw new TRPCError20({ code: "BAD_REQUEST", message: "Batch call exceeds maximum size" });
  }
  const inputs = new LazyInputs(request, router._def._config, isBatchCall, paths.length);
  const procedures = router._def.procedures;
  const calls = [];
  let type;
  let mixed = false;
  for (let index = 0; index < paths.length; index += 1) {
    const callPath = paths[index];
    const procedure = procedures[callPath] ?? await getProcedureAtPath(router, callPath);
    calls.push({ batchIndex: index, path: callPath, procedure, getRawInput: () => inputs.read(index), result: () => inputs.parsed(index) });
    const callType = procedure?._def.type;
    if (callType === void 0 || callType === type) continue;
    if (type === void 0) type = callType;
    else mixed = true;
  }
  if (mixed) throw new TRPCError20({ code: "BAD_REQUEST", message: `Cannot mix procedure types in call: ${mixedTypes(calls)}` });
  return new JsonRequestInfo(request, isBatchCall, calls, type ?? "unknown");
}
var JsonRequestInfo = class {
  constructor(request, isBatchCall, calls, type) {
    this.request = request;
    this.isBatchCall = isBatchCall;
    this.calls = calls;
    this.type = type;
  }
  request;
  isBatchCall;
  calls;
  type;
  accept = null;
  connectionParams = null;
  get signal() {
    return this.request.signal();
  }
  get url() {
    return this.request.url();
  }
};
function mixedTypes(calls) {
  const types = /* @__PURE__ */ new Set();
  for (const call of calls) if (call.procedure) types.add(call.procedure._def.type);
  return [...types].join(", ");
}
var LazyInputs = class {
  constructor(request, config, isBatchCall, callCount) {
    this.request = request;
    this.config = config;
    this.isBatchCall = isBatchCall;
    this.callCount = callCount;
  }
  request;
  config;
  isBatchCall;
  callCount;
  #inputs;
  #reading;
  async read(index) {
    if (this.#inputs === void 0) {
      this.#reading ??= this.#parse().catch((cause) => {
        if (cause instanceof TRPCError20) throw cause;
        throw new TRPCError20({ code: "BAD_REQUEST", message: cause instanceof Error ? cause.message : "Invalid input", cause });
      });
      this.#inputs = await this.#reading;
      this.#reading = void 0;
    }
    return this.#inputs[index];
  }
  /** What was read for call `index`, for error shapes and onError; undefined before any call read. */
  parsed(index) {
    return this.#inputs?.[index];
  }
  async #parse() {
    const raw = this.request.method === "GET" ? this.request.searchParams.get("input") : this.request.body;
    const parsed = raw ? JSON.parse(raw) : void 0;
    const result = /* @__PURE__ */ Object.create(null);
    if (parsed === void 0) return result;
    const transformer = this.config.transformer.input;
    if (!this.isBatchCall) {
      result[0] = transformer.deserialize(parsed);
      return result;
    }
    if (!isObject(parsed)) throw new TRPCError20({ code: "BAD_REQUEST", message: '"input" needs to be an object when doing a batch call' });
    for (let index = 0; index < this.callCount; index += 1) {
      const input = parsed[index];
      if (input !== void 0) result[index] = transformer.deserialize(input);
    }
    return result;
  }
};
function serialize(config, payload) {
  return config.transformer === defaultTransformer ? payload : transformTRPCResponse(config, payload);
}
function decodePath(path) {
  try {
    return decodeURIComponent(path);
  } catch (cause) {
    throw new TRPCError20({ code: "BAD_REQUEST", message: `Invalid URL-encoding in path "${path}"`, cause });
  }
}
function isDataStream(value) {
  if (!isObject(value)) return false;
  if (Symbol.asyncIterator in value) return true;
  return Object.values(value).some((item) => item instanceof Promise || isObject(item) && Symbol.asyncIterator in item);
}
function appendHeader(headers, name, value) {
  const key = name.toLowerCase();
  const current = headers[key];
  if (key === "set-cookie") headers[key] = current === void 0 ? [value] : [...Array.isArray(current) ? current : [current], value];
  else headers[key] = appendTo(current, value);
}
function appendTo(current, value) {
  if (current === void 0) return value;
  return `${Array.isArray(current) ? current.join(", ") : current}, ${value}`;
}

// src/http/fast-trpc/fast-trpc-plugin.ts
function fastTrpcPlugin(fastify, opts, done) {
  const trpcOptions = opts.trpcOptions;
  fastify.removeContentTypeParser("application/json");
  fastify.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, parsed) => parsed(null, body));
  fastify.removeContentTypeParser("multipart/form-data");
  fastify.addContentTypeParser("multipart/form-data", {}, (_request, body, parsed) => parsed(null, body));
  const options = {
    router: trpcOptions.router,
    maxBatchSize: trpcOptions.maxBatchSize,
    createContext: async (info, req) => trpcOptions.createContext?.({ req, res: req[REPLY], info }),
    responseMeta: trpcOptions.responseMeta,
    onError: trpcOptions.onError
  };
  fastify.all("/:path", async function serveTrpc(request, reply) {
    const path = request.params.path;
    const url = request.url;
    const queryStart = url.indexOf("?");
    const searchParams = new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1));
    const method = request.method;
    if (!isPlainJsonRequest(method, request.headers, searchParams)) {
      await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
      return;
    }
    request[REPLY] = reply;
    const body = typeof request.body === "string" ? request.body : void 0;
    const response = await resolveJsonRequest(new FastifyJsonRequest(method, path, searchParams, body, request), options);
    if (response === void 0) {
      await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
      return;
    }
    reply.code(response.status);
    for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
    await reply.send(Buffer.from(response.body));
  });
  done();
}
var REPLY = /* @__PURE__ */ Symbol("gatehouse.fastTrpc.reply");
var FastifyJsonRequest = class {
  constructor(method, path, searchParams, body, req) {
    this.method = method;
    this.path = path;
    this.searchParams = searchParams;
    this.body = body;
    this.req = req;
  }
  method;
  path;
  searchParams;
  body;
  req;
  signal() {
    return clientAbortSignal(this.req.raw, this.req[REPLY].raw);
  }
  url() {
    return new URL(this.req.url, `${this.req.protocol}://${this.req.host}`);
  }
};

// src/http/query-credentials.ts
var QUERY_CREDENTIAL_PARAMETERS = ["access_token", "api_key", "apiKey", "token"];
function findQueryCredential(urlOrQuery) {
  let params;
  if (typeof urlOrQuery === "string") {
    const queryStart = urlOrQuery.indexOf("?");
    if (queryStart === -1) return void 0;
    params = new URLSearchParams(urlOrQuery.slice(queryStart + 1));
  } else {
    params = urlOrQuery;
  }
  return QUERY_CREDENTIAL_PARAMETERS.find((name) => params.has(name));
}

// src/http/www-authenticate.ts
var REALM = "gatehouse";
function quote(value) {
  return `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}
function wwwAuthenticateFor(auth) {
  const params = [["realm", REALM]];
  switch (auth.reason) {
    case "missing_credentials":
    case "invalid_credentials":
      break;
    case "invalid_token":
      params.push(["error", "invalid_token"], ["error_description", "The access token is invalid"]);
      break;
    case "expired_token":
      params.push(["error", "invalid_token"], ["error_description", "The access token expired"]);
      break;
    case "revoked_token":
      params.push(["error", "invalid_token"], ["error_description", "The credential was revoked"]);
      break;
    case "insufficient_scope":
      params.push(["error", "insufficient_scope"], ["scope", (auth.requiredScopes ?? []).join(" ")]);
      break;
    case "forbidden_role":
      return void 0;
  }
  return `Bearer ${params.map(([name, value]) => `${name}=${quote(value)}`).join(", ")}`;
}

// src/http/trpc-route.ts
var TRPC_ROUTE = "/trpc/:path";
var MAX_BATCH_SIZE = 10;
function createRequestContext(deps, request, calls = []) {
  const authenticate = authenticatorFor(deps);
  let principal;
  const responseHeaders2 = createResponseHeaders();
  if (calls.includes("auth.logout")) responseHeaders2.append("set-cookie", clearedRefreshCookie(deps.config));
  const ctx = {
    deps,
    requestId: request.id,
    ip: normaliseIp(request.ip),
    headers: request.headers,
    credentialInQuery: findQueryCredential(request.searchParams ?? request.url),
    authenticate() {
      principal ??= authenticate(request.headers, verifiedClientCertificate(request.socket), ctx).catch((error) => {
        throw error instanceof AuthFailure ? error.toTRPCError() : error;
      });
      return principal;
    },
    responseHeaders: responseHeaders2,
    rateLimit: deps.rateLimits.forRequest(calls)
  };
  return ctx;
}
var authenticators = /* @__PURE__ */ new WeakMap();
function authenticatorFor(deps) {
  let authenticate = authenticators.get(deps);
  if (authenticate === void 0) {
    authenticate = createAuthenticator(deps);
    authenticators.set(deps, authenticate);
  }
  return authenticate;
}
function responseHeadersFor(ctx, errors) {
  const headers = { "cache-control": "no-store" };
  headers["vary"] = "Origin";
  if (ctx !== void 0) {
    for (const [name, value] of ctx.responseHeaders.entries()) headers[name] = typeof value === "string" ? value : [...value];
  }
  if (errors.length === 0) return headers;
  const failure = errors.map((error) => error.cause).find((cause) => cause instanceof AuthFailure);
  const challenge = failure === void 0 ? void 0 : wwwAuthenticateFor(failure.data);
  if (challenge !== void 0) headers["www-authenticate"] = challenge;
  const overloaded = errors.map((error) => error.cause).find((cause) => cause instanceof ServiceOverloaded);
  if (overloaded !== void 0) headers["retry-after"] = String(Math.max(1, Math.ceil(overloaded.retryAfterMs / 1e3)));
  return headers;
}
function logProcedureFailure(deps) {
  return function onError({ error, path, ctx }) {
    if (error.code === "INTERNAL_SERVER_ERROR") {
      deps.logger.error({ err: error.cause ?? error, path, requestId: ctx?.requestId }, "procedure failed");
    }
  };
}
async function registerTrpcRoute(app, deps) {
  await app.register(deps.config.trpcFastPath ? fastTrpcPlugin : fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ req, info }) => createRequestContext(deps, req, info.calls.map((call) => call.path)),
      responseMeta: ({ ctx, errors }) => ({ headers: responseHeadersFor(ctx, errors) }),
      onError: logProcedureFailure(deps)
    }
  });
}

// src/http/trust-proxy.ts
import proxyAddr2 from "@fastify/proxy-addr";
function trustProxyOption(setting) {
  if (setting === false) return false;
  if (setting.hops === void 0) return [...setting.addresses];
  return proxyTrustFor(setting);
}
function proxyTrustFor(setting) {
  if (setting === false) return trustNoProxy;
  const listed = proxyAddr2.compile([...setting.addresses]);
  const hops = setting.hops;
  if (hops === void 0) return listed;
  return (address, hopIndex) => hopIndex < hops && listed(address, hopIndex);
}
function clientAddressOf(request, trust) {
  if (trust === trustNoProxy) return request.socket.remoteAddress;
  const addresses = proxyAddr2.all(request, trust);
  return addresses[addresses.length - 1];
}
function protocolOf(request, trust) {
  const forwarded = joined(request.headers["x-forwarded-proto"]);
  if (forwarded !== void 0 && forwarded !== "" && isTrustedPeer(request, trust)) return lastEntry(forwarded);
  return "encrypted" in request.socket && request.socket.encrypted === true ? "https" : "http";
}
function hostOf(request, trust) {
  const forwarded = joined(request.headers["x-forwarded-host"]);
  if (forwarded !== void 0 && forwarded !== "" && isTrustedPeer(request, trust)) return lastEntry(forwarded);
  return request.headers.host ?? "";
}
function isTrustedPeer(request, trust) {
  const peer = request.socket.remoteAddress;
  return peer !== void 0 && trust(peer, 0);
}
function trustNoProxy() {
  return false;
}
function joined(value) {
  return Array.isArray(value) ? value.join(", ") : value;
}
function lastEntry(value) {
  const lastComma = value.lastIndexOf(",");
  return (lastComma === -1 ? value : value.slice(lastComma + 1)).trim();
}

// src/http/fast-trpc/lane-admission.ts
var LANE_PATH = /^\/trpc\/([\w.,~-]{1,2048})(?:\?|$)/;
function admitToFastLane(raw, bodyLimit) {
  const method = raw.method;
  if (method !== "GET" && method !== "POST") return void 0;
  const url = raw.url ?? "";
  const match = LANE_PATH.exec(url);
  if (match === null) return void 0;
  const headers = raw.headers;
  if (headers["transfer-encoding"] !== void 0) return void 0;
  const length = headers["content-length"];
  if (method === "GET") {
    if (length !== void 0 && length !== "0") return void 0;
  } else {
    const contentType = headers["content-type"];
    if (contentType !== "application/json" && contentType?.startsWith("application/json;") !== true) return void 0;
    if (length === void 0 || !/^\d{1,10}$/.test(length) || Number(length) > bodyLimit) return void 0;
  }
  const queryStart = url.indexOf("?");
  const searchParams = new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1));
  if (!isPlainJsonRequest(method, headers, searchParams)) return void 0;
  return { method, path: match[1], searchParams };
}

// src/http/fast-trpc/trpc-fast-lane.ts
function createTrpcFastLane(deps) {
  const trust = proxyTrustFor(deps.config.trustProxy);
  const allowedOrigins = new Set(deps.config.corsOrigins);
  const bodyLimit = deps.config.bodyLimitBytes;
  const options = {
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: async (info, request) => createRequestContext(deps, request, info.calls.map((call) => call.path)),
    responseMeta: ({ ctx, errors }) => ({ headers: responseHeadersFor(ctx, errors) }),
    onError: logProcedureFailure(deps)
  };
  let open = true;
  const router = appRouter;
  const procedures = Object.values(router._def.procedures);
  const postsAllowed = !procedures.some((procedure) => procedure._def.type === "subscription");
  async function serve(raw, response, call, next) {
    const started = performance4.now();
    const request = new LaneRequest(uuidv48(), raw, call.searchParams, trust);
    const log = deps.logger.isLevelEnabled("info") ? deps.logger.child({ reqId: request.id }) : void 0;
    log?.info({ req: request }, "incoming request");
    let answer;
    try {
      const body = call.method === "POST" ? await readBody(raw, bodyLimit) : void 0;
      if (typeof body === "number") {
        answer = edgeAnswer(body, request.id);
      } else {
        const resolved = await resolveJsonRequest(new LaneJsonRequest(call, request, response, body), options);
        if (resolved === void 0) return next(raw, response);
        answer = resolved.status >= 400 && !resolved.body.includes('"requestId"') ? { ...resolved, body: stampTrpcErrors(resolved.body, request.id) } : resolved;
      }
    } catch (cause) {
      deps.logger.error({ err: cause, requestId: request.id }, "request failed");
      answer = edgeAnswer(500, request.id);
    }
    try {
      response.writeHead(answer.status, responseHeaders(request, answer, allowedOrigins));
      response.end(answer.body);
    } catch (cause) {
      deps.logger.error({ err: cause, requestId: request.id }, "request failed");
      if (response.headersSent) return void response.destroy();
      answer = edgeAnswer(500, request.id);
      response.writeHead(answer.status, responseHeaders(request, answer, allowedOrigins));
      response.end(answer.body);
    }
    deps.metrics.httpResponses.inc({ status: String(answer.status) });
    log?.info({ res: { statusCode: answer.status }, responseTime: performance4.now() - started }, "request completed");
  }
  return {
    wrap(next) {
      return function trpcFastLane(raw, response) {
        const call = open ? admitToFastLane(raw, bodyLimit) : void 0;
        if (call === void 0 || call.method === "POST" && !postsAllowed) return next(raw, response);
        serve(raw, response, call, next).catch((error) => {
          deps.logger.error({ err: error }, "tRPC fast lane failed");
          response.destroy();
        });
      };
    },
    stop() {
      open = false;
    }
  };
}
function readBody(raw, limit) {
  const declared = Number(raw.headers["content-length"]);
  return new Promise((resolve2) => {
    const chunks = [];
    let received = 0;
    raw.on("data", (chunk) => {
      received += chunk.length;
      if (received > limit) {
        raw.removeAllListeners("data");
        resolve2(413);
        return;
      }
      chunks.push(chunk);
    });
    raw.once("close", () => {
      if (!raw.complete) resolve2(400);
    });
    raw.once("end", () => {
      if (received !== declared) resolve2(400);
      else resolve2(chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks, received).toString("utf8"));
    });
    raw.once("error", () => resolve2(400));
  });
}
function edgeAnswer(status, requestId) {
  const { body } = edgeErrorBody({ statusCode: status }, requestId, "trpc");
  return { status, headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(body) };
}
var SECURITY_HEADER_LIST = SECURITY_HEADERS.flat();
function responseHeaders(request, answer, allowedOrigins) {
  const own = answer.headers;
  const headers = ["x-request-id", request.id, ...SECURITY_HEADER_LIST];
  for (const [name, value] of corsResponseHeaders(TRPC_ROUTE, request.headers.origin, allowedOrigins)) {
    if (own[name] === void 0) headers.push(name, value);
  }
  for (const name in own) headers.push(name, own[name]);
  if (request.protocol === "https") headers.push(HSTS_HEADER[0], HSTS_HEADER[1]);
  if (own["cache-control"] === void 0) headers.push("cache-control", "no-store");
  headers.push("content-length", String(Buffer.byteLength(answer.body)));
  return headers;
}
var LaneRequest = class {
  constructor(id, raw, searchParams, trust) {
    this.id = id;
    this.raw = raw;
    this.searchParams = searchParams;
    this.trust = trust;
    this.method = raw.method ?? "GET";
    this.url = raw.url ?? "";
    this.headers = raw.headers;
    this.socket = raw.socket;
    this.ip = clientAddressOf(raw, trust) ?? "";
    this.protocol = protocolOf(raw, trust);
  }
  id;
  raw;
  searchParams;
  trust;
  method;
  url;
  headers;
  socket;
  ip;
  protocol;
};
var LaneJsonRequest = class {
  constructor(call, req, response, body) {
    this.req = req;
    this.response = response;
    this.body = body;
    this.method = call.method;
    this.path = call.path;
    this.searchParams = call.searchParams;
  }
  req;
  response;
  body;
  method;
  path;
  searchParams;
  /** Aborts when the client leaves before the answer, as tRPC's adapters build it. */
  signal() {
    return clientAbortSignal(this.req.raw, this.response);
  }
  url() {
    return new URL(this.req.url, `${this.req.protocol}://${hostOf(this.req.raw, this.req.trust)}`);
  }
};

// src/http/well-known-routes.ts
function registerWellKnownRoutes(app, deps) {
  app.get("/.well-known/jwks.json", async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return deps.signingKeys.publicJwks;
  });
}

// src/http/health-routes.ts
var READINESS_CHECK_TIMEOUT_MS = 500;
var READINESS_REUSE_MS = 1e3;
function neededStores(deps) {
  const { redis } = deps;
  return redis === void 0 ? [] : [{ name: "redis", check: () => redis.ping() }];
}
async function answers(store) {
  let timer;
  const timeout = new Promise((resolve2) => {
    timer = setTimeout(() => resolve2(false), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([store.check().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
function registerHealthRoutes(app, deps) {
  const stores = neededStores(deps);
  let latest;
  const check = () => {
    const at = Date.now();
    if (latest === void 0 || at - latest.at >= READINESS_REUSE_MS) {
      latest = { at, results: Promise.all(stores.map(async (store) => [store.name, await answers(store)])) };
    }
    return latest.results;
  };
  app.get("/healthz", { logLevel: "silent" }, async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });
  app.get("/readyz", { logLevel: "silent" }, async (_request, reply) => {
    const results = await check();
    const failing = results.filter(([, up]) => !up).map(([name]) => name);
    const checks = Object.fromEntries(results.map(([name, up]) => [name, up ? "up" : "down"]));
    reply.header("cache-control", "no-store");
    if (failing.length > 0) {
      return reply.status(503).send({ status: "unavailable", failing, checks });
    }
    return { status: "ready", checks };
  });
}

// src/http/create-server.ts
async function createGatehouseServer(config, options) {
  const deps = options.dependencies ?? await createDependencies(config, options.logger, options.overrides);
  if (options.seed !== void 0) await applySeedUsers(options.seed, deps.users, deps.passwords);
  if (options.seed !== void 0) applySeedServices(options.seed, deps.services);
  if (options.seed !== void 0) applySeedClients(options.seed, deps.clients);
  const lane = deps.config.trpcFastPath ? createTrpcFastLane(deps) : void 0;
  const tls = config.tls === void 0 ? void 0 : tlsOptions(config.tls);
  const timeouts = options.timeouts ?? EDGE_TIMEOUTS;
  const hostOptions = {
    loggerInstance: options.logger,
    genReqId: () => uuidv49(),
    // Clients do not choose their request id: it is what support searches the logs for.
    requestIdHeader: false,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: config.bodyLimitBytes,
    // A batch's paths travel in one URL segment (`a,b,c`); Fastify's default 100 characters answers 414 to batches of 8 calls.
    routerOptions: { maxParamLength: 2048 },
    // Fastify's own answers to these quote the URL (query included) and carry no request id.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Its 503 while closing has no request id either: the onRequest hook below answers instead.
    return503OnClosing: false
  };
  const listenerFor = (handler) => lane === void 0 ? handler : lane.wrap(handler);
  const app = tls === void 0 ? Fastify2({ ...hostOptions, serverFactory: (handler) => applyEdgeTimeouts(http.createServer(nodeServerOptions(timeouts), listenerFor(handler)), timeouts) }) : Fastify2({
    ...hostOptions,
    // `https` still tells Fastify to print https:// addresses; the server itself comes from serverFactory.
    https: tls,
    serverFactory: (handler) => applyEdgeTimeouts(https.createServer({ ...tls, ...nodeServerOptions(timeouts), handshakeTimeout: timeouts.headersMs }, listenerFor(handler)), timeouts)
  });
  let closing = false;
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    if (!closing) return done();
    const { status, body } = edgeErrorBody({ statusCode: 503 }, request.id, surfaceOf(request.routeOptions.url, request.url));
    void reply.status(status).header("connection", "close").send(body);
  });
  app.addHook("onResponse", (_request, reply, done) => {
    deps.metrics.httpResponses.inc({ status: String(reply.statusCode) });
    done();
  });
  registerEdgeErrorHandler(app, TRPC_ROUTE);
  await registerSecurityHeaders(app);
  await registerCors(app, config);
  registerWellKnownRoutes(app, deps);
  registerHealthRoutes(app, deps);
  await registerTrpcRoute(app, deps);
  await registerOAuthRoutes(app, deps, options.seed);
  const metrics = createMetricsEndpoint(config, deps.metrics, options.logger);
  return {
    app,
    deps,
    metrics,
    async listen() {
      try {
        await metrics.listen();
      } catch (error) {
        const where = config.metrics === void 0 ? "" : `${config.metrics.host}:${config.metrics.port}`;
        const named = listenError("GATEHOUSE_METRICS_PORT", where, error);
        throw named instanceof StartupError ? new StartupError(`${named.message}, or off for no metrics listener`, { cause: error }) : named;
      }
      const address = await app.listen({ host: config.host, port: config.port }).catch(async (error) => {
        await metrics.close();
        throw listenError("GATEHOUSE_PORT", `${config.host}:${config.port}`, error);
      });
      return address.replace(/\/$/, "");
    },
    async close() {
      closing = true;
      lane?.stop();
      await metrics.close();
      await app.close();
      await deps.close();
    }
  };
}
function tlsOptions(tls) {
  return {
    cert: readTlsFile("GATEHOUSE_TLS_CERT", tls.certFile),
    key: readTlsFile("GATEHOUSE_TLS_KEY", tls.keyFile),
    minVersion: "TLSv1.2",
    ...tls.clientCaFile === void 0 ? {} : { ca: readTlsFile("GATEHOUSE_TLS_CLIENT_CA", tls.clientCaFile), requestCert: true, rejectUnauthorized: false }
  };
}
function readTlsFile(variable, path) {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new StartupError(`${variable}: cannot read ${path} (${error.code ?? "unknown error"})`, { cause: error });
  }
}

// src/http/logger.ts
import pino from "pino";
var REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'req.headers["x-gatehouse-csrf"]',
  'res.headers["set-cookie"]',
  "*.password",
  "*.newPassword",
  "*.passwordHash",
  "*.secret",
  "*.secretHash",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.apiKey",
  "*.key",
  "*.client_secret",
  "*.code_verifier",
  // Security events log as { event: { details } }, two levels below where `*.x` reaches.
  "event.details.password",
  "event.details.newPassword",
  "event.details.passwordHash",
  "event.details.secret",
  "event.details.secretHash",
  "event.details.token",
  "event.details.accessToken",
  "event.details.refreshToken",
  "event.details.apiKey",
  "event.details.key",
  "event.details.client_secret",
  "event.details.code_verifier"
];
function createLogger(config, options = {}) {
  return pino(
    {
      level: config.logLevel,
      base: { service: "gatehouse" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: "[REDACTED]" },
      serializers: {
        err: pino.stdSerializers.err,
        req: serializeRequest,
        res: (reply) => ({ statusCode: reply.statusCode })
      }
    },
    options.destination ?? pino.destination({ sync: false })
  );
}
function serializeRequest(request) {
  return { method: request.method, url: request.url === void 0 ? void 0 : redactUrl(request.url), ip: request.ip };
}
var CREDENTIAL_PARAMETER = /pass(?:word|wd|phrase)?|pwd|secret|token|assertion|verifier|api_?key|credential|^(?:code|key|otp|csrf|session|cookie|authorization)$/;
var SECRET_INPUT_PATH = /^\/trpc\/(?:[^?]*,)?auth\./;
var SECRET_INPUT_FIELD = /pass(?:word|wd|phrase)?|secret|token|api_?key|"key"|credential/i;
function isCredentialParameter(name, value, path) {
  const normalised = name.toLowerCase().replace(/-/g, "_");
  if (CREDENTIAL_PARAMETER.test(normalised)) return true;
  if (QUERY_CREDENTIAL_PARAMETERS.some((refused) => refused.toLowerCase() === normalised)) return true;
  return normalised === "input" && (SECRET_INPUT_PATH.test(path) || SECRET_INPUT_FIELD.test(value));
}
function redactUrl(url) {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return url;
  const path = decodedPath(url.slice(0, queryStart));
  const params = new URLSearchParams(url.slice(queryStart + 1));
  let changed = false;
  const kept = new URLSearchParams();
  for (const [name, value] of params) {
    if (isCredentialParameter(name, value, path)) {
      kept.append(name, "[REDACTED]");
      changed = true;
    } else {
      kept.append(name, value);
    }
  }
  return changed ? `${url.slice(0, queryStart)}?${kept.toString()}` : url;
}
function decodedPath(target) {
  const path = target.startsWith("/") ? target : target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

// src/seed/demo-seed.ts
var DEMO_SEED = {
  users: [
    { email: "admin@gatehouse.dev", password: "admin-demo-password", name: "Ada Admin", role: "admin" },
    { email: "alice@gatehouse.dev", password: "alice-demo-password", name: "Alice", role: "user" },
    { email: "bob@gatehouse.dev", password: "bob-demo-password", name: "Bob", role: "user" }
  ],
  clients: [
    {
      clientId: "web",
      type: "public",
      redirectUris: ["http://127.0.0.1:5173/cb"],
      scopes: ["users:read", "orders:read", "orders:write"]
    },
    {
      clientId: "billing",
      type: "confidential",
      secret: "billing-demo-secret-change-me",
      grantTypes: ["client_credentials"],
      scopes: ["orders:read"]
    }
  ],
  services: []
};

// src/seed/load-seed.ts
import { readFile as readFile2 } from "node:fs/promises";

// src/seed/seed-schema.ts
import { z as z19 } from "zod";
var bcryptHash = z19.string().refine(isBcryptHash, "must be a bcrypt hash ($2a$/$2b$/$2y$)");
var seedUser = z19.union([
  z19.strictObject({ email: emailSchema, name: displayNameSchema, role: roleSchema.default("user"), password: newPasswordSchema }).refine((user) => !isCommonPassword(user.password), { path: ["password"], message: COMMON_PASSWORD_MESSAGE }).refine((user) => !passwordEqualsEmail(user.password, user.email), { path: ["password"], message: "a password cannot be the account\u2019s email address" }),
  z19.strictObject({ email: emailSchema, name: displayNameSchema, role: roleSchema.default("user"), passwordHash: bcryptHash })
]);
var redirectUri = z19.url().refine((uri) => !uri.includes("#"), "a redirect URI has no fragment (RFC 6749 section 3.1.2)");
var clientId = z19.string().regex(/^[\w.-]{1,64}$/, "a client id has 1 to 64 letters, digits, _ . -").refine((id) => id !== "gatehouse", '"gatehouse" is reserved for tokens from auth.login');
var clientGrant = z19.enum(["authorization_code", "refresh_token", "client_credentials"]);
var publicClient = z19.strictObject({
  clientId,
  type: z19.literal("public"),
  redirectUris: z19.array(redirectUri).min(1),
  scopes: z19.array(scopeSchema).min(1),
  grantTypes: z19.array(clientGrant.exclude(["client_credentials"])).default(["authorization_code", "refresh_token"])
});
var confidentialFields = {
  clientId,
  type: z19.literal("confidential"),
  redirectUris: z19.array(redirectUri).default([]),
  scopes: z19.array(scopeSchema).min(1),
  grantTypes: z19.array(clientGrant).min(1).default(["client_credentials"])
};
var confidentialClient = z19.union([
  z19.strictObject({ ...confidentialFields, secret: z19.string().min(16, "a client secret has at least 16 characters") }),
  z19.strictObject({ ...confidentialFields, secretHash: bcryptHash })
]);
var service = z19.strictObject({
  name: z19.string().regex(/^[\w.-]{1,64}$/),
  certSha256: z19.string().transform((hex) => hex.replaceAll(":", "").toLowerCase()).pipe(z19.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 fingerprint is 64 hex digits (colons allowed)")),
  scopes: z19.array(scopeSchema).min(1)
});
var seedSchema = z19.strictObject({
  users: z19.array(seedUser).default([]),
  clients: z19.array(z19.union([publicClient, confidentialClient])).default([]),
  services: z19.array(service).default([])
}).superRefine((seed, ctx) => {
  const unique = (values, what, path) => {
    const seen = /* @__PURE__ */ new Set();
    for (const value of values) {
      if (seen.has(value)) ctx.addIssue({ code: "custom", path: [path], message: `duplicate ${what} ${value}` });
      seen.add(value);
    }
  };
  unique(seed.users.map((u) => u.email), "email", "users");
  unique(seed.clients.map((c) => c.clientId), "clientId", "clients");
  unique(seed.services.map((s) => s.name), "service name", "services");
  unique(seed.services.map((s) => s.certSha256), "certificate fingerprint", "services");
  seed.clients.forEach((client, index) => {
    if (client.grantTypes.includes("authorization_code") && client.redirectUris.length === 0) {
      ctx.addIssue({ code: "custom", path: ["clients", index, "redirectUris"], message: "authorization_code needs a redirect URI" });
    }
  });
});

// src/seed/load-seed.ts
var SeedError = class extends Error {
  constructor(issues) {
    super(`Invalid seed:
${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.issues = issues;
    this.name = "SeedError";
  }
  issues;
};
function parseSeed(raw) {
  const result = seedSchema.safeParse(raw);
  if (!result.success) {
    throw new SeedError(describeIssues(result.error.issues, []));
  }
  return result.data;
}
function describeIssues(issues, base) {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => branch.length < best.length ? branch : best);
      if (closest.length > 0) return describeIssues(closest, path);
    }
    return [`${path.map(String).join(".") || "(root)"}: ${issue.message}`];
  });
}
async function loadSeed(config) {
  if (config.seedFile !== void 0) {
    let text;
    try {
      text = await readFile2(config.seedFile, "utf8");
    } catch (error) {
      const code = error.code ?? "unknown error";
      throw new SeedError([`GATEHOUSE_SEED_FILE: cannot read ${config.seedFile} (${code})`]);
    }
    let raw;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new SeedError([`GATEHOUSE_SEED_FILE: ${config.seedFile} is not valid JSON`]);
    }
    return { seed: parseSeed(raw), isDemo: false };
  }
  if (config.env === "development") return { seed: parseSeed(DEMO_SEED), isDemo: true };
  return void 0;
}

export {
  ConfigError,
  parseConfig,
  StartupError,
  SigningKeysError,
  appRouter,
  createGatehouseServer,
  REDACTED_PATHS,
  createLogger,
  DEMO_SEED,
  SeedError,
  parseSeed,
  loadSeed
};
//# sourceMappingURL=chunk-CIWFY6BM.js.map

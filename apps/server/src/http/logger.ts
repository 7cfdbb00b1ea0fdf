import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { QUERY_CREDENTIAL_PARAMETERS } from '../auth/find-query-credential.js';

/**
 * Paths pino censors in every log line. Credentials never reach a log: not
 * in headers, not in bodies, not in events' details.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-gatehouse-csrf"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.passwordHash',
  '*.secret',
  '*.secretHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.key',
  '*.client_secret',
  '*.code_verifier',
  // Security events log as { event: { details } }, two levels below where `*.x` reaches.
  'event.details.password',
  'event.details.newPassword',
  'event.details.passwordHash',
  'event.details.secret',
  'event.details.secretHash',
  'event.details.token',
  'event.details.accessToken',
  'event.details.refreshToken',
  'event.details.apiKey',
  'event.details.key',
  'event.details.client_secret',
  'event.details.code_verifier',
] as const;


export interface LoggerOptions {
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(config: Pick<Config, 'logLevel'>, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'gatehouse' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: '[REDACTED]' },
      serializers: {
        err: pino.stdSerializers.err,
        req: serializeRequest,
        res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** What a request log line says of the request: never its headers' values or its query credentials. */
function serializeRequest(request: { method?: string; url?: string; ip?: string; id?: string }) {
  return { method: request.method, url: request.url === undefined ? undefined : redactUrl(request.url), ip: request.ip };
}

/**
 * Query parameters whose values are credentials, whatever the endpoint:
 * passwords, client secrets, OAuth codes and verifiers, tokens of any kind,
 * assertions and API keys, in any spelling (`client_secret`, `apiKey`,
 * `X-Api-Key`, `newPassword`) and however they were percent-escaped.
 */
const CREDENTIAL_PARAMETER = /pass(?:word|wd|phrase)?|pwd|secret|token|assertion|verifier|api_?key|credential|^(?:code|key|otp|csrf|session|cookie|authorization)$/;

/** tRPC calls whose JSON `input` holds a password or a token (auth.login, auth.register, auth.refresh, …). */
const SECRET_INPUT_PATH = /^\/trpc\/(?:[^?]*,)?auth\./;

/** A JSON input that names a credential-like field, whatever procedure it was sent to. */
const SECRET_INPUT_FIELD = /pass(?:word|wd|phrase)?|secret|token|api_?key|"key"|credential/i;

function isCredentialParameter(name: string, value: string, path: string): boolean {
  const normalised = name.toLowerCase().replace(/-/g, '_');
  if (CREDENTIAL_PARAMETER.test(normalised)) return true;
  if (QUERY_CREDENTIAL_PARAMETERS.some((refused) => refused.toLowerCase() === normalised)) return true;
  return normalised === 'input' && (SECRET_INPUT_PATH.test(path) || SECRET_INPUT_FIELD.test(value));
}

/**
 * The URL as it may be logged: the value of every credential-like query
 * parameter replaced by [REDACTED] (the name stays, so the log still says a
 * client sent one). A URL is logged before anything refuses it, so a
 * password sent as `?password=` or in the `input` of a GET to auth.login
 * must be taken out here.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const path = decodedPath(url.slice(0, queryStart));
  const params = new URLSearchParams(url.slice(queryStart + 1));
  let changed = false;
  const kept = new URLSearchParams();
  for (const [name, value] of params) {
    if (isCredentialParameter(name, value, path)) {
      kept.append(name, '[REDACTED]');
      changed = true;
    } else {
      kept.append(name, value);
    }
  }
  return changed ? `${url.slice(0, queryStart)}?${kept.toString()}` : url;
}

/** The path as the router reads it: absolute-form targets reduced to their path, escapes decoded where valid. */
function decodedPath(target: string): string {
  const path = target.startsWith('/') ? target : target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

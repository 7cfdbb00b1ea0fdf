import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { QUERY_CREDENTIAL_PARAMETERS } from './query-credentials.js';

/**
 * Paths pino censors in every log line. Credentials never reach a log: not
 * in headers, not in bodies, not in events' details.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
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

/** The URL as it may be logged: credential-bearing query parameters replaced by [REDACTED]. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  let changed = false;
  for (const name of QUERY_CREDENTIAL_PARAMETERS) {
    if (params.has(name)) {
      params.set(name, '[REDACTED]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, queryStart)}?${params.toString()}` : url;
}

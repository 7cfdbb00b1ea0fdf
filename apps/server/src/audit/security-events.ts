import type { Logger } from 'pino';

/** Every security event SPEC.md names. */
export const SECURITY_EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'login.blocked',
  'token.refreshed',
  'token.reuse_detected',
  'token.revoked',
  'authz.denied',
  'ratelimit.exceeded',
  'apikey.created',
  'apikey.revoked',
  'user.role_changed',
  'abuse.credential_stuffing',
  'abuse.enumeration',
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

/** Where an event happened: the request it came from. */
export interface EventOrigin {
  readonly ip: string;
  readonly requestId: string;
  readonly principal: string | undefined;
}

export interface SecurityEvent extends EventOrigin {
  readonly time: string;
  readonly type: SecurityEventType;
  /** Event-specific facts. Never a password, token, key or secret. */
  readonly details: Readonly<Record<string, string | number | boolean | readonly string[] | null>>;
}

export interface SecurityEventSink {
  record(event: SecurityEvent): void | Promise<void>;
}

/**
 * The one emitter every part of the server reports to. Each event becomes a
 * JSON log line (redaction is the logger's configuration) and goes to every
 * sink, such as the audit log. A failing sink is logged, never thrown into
 * the request that caused the event.
 */
export interface SecurityEvents {
  emit(type: SecurityEventType, origin: EventOrigin, details?: SecurityEvent['details']): void;
  addSink(sink: SecurityEventSink): void;
}

export function createSecurityEvents(logger: Logger, now: () => Date = () => new Date()): SecurityEvents {
  const sinks: SecurityEventSink[] = [];
  const log = logger.child({ component: 'security' });
  return {
    emit(type, origin, details = {}) {
      const event: SecurityEvent = { time: now().toISOString(), type, ...origin, details };
      log.info({ event }, type);
      for (const sink of sinks) {
        Promise.resolve()
          .then(() => sink.record(event))
          .catch((error: unknown) => log.error({ err: error, type }, 'security event sink failed'));
      }
    },
    addSink(sink) {
      sinks.push(sink);
    },
  };
}

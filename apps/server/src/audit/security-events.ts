import type { SecurityEventType } from '@gatehouse/contracts';
import type { Logger } from 'pino';

// The event vocabulary lives in the contracts, where admin.auditLog.list filters on it.
export { SECURITY_EVENT_TYPES } from '@gatehouse/contracts';
export type { SecurityEventType } from '@gatehouse/contracts';

/** Where an event happened: the request it came from. */
export interface EventOrigin {
  readonly ip: string;
  readonly requestId: string;
  readonly principal: string | undefined;
}

/** The origin of events the server raises on its own (retention), not on behalf of a request. */
export const SERVER_ORIGIN: EventOrigin = Object.freeze({ ip: 'server', requestId: 'server', principal: 'service:gatehouse' });

export interface SecurityEvent extends EventOrigin {
  readonly time: string;
  readonly type: SecurityEventType;
  /** Event-specific facts. Never a password, token, key or secret. */
  readonly details: Readonly<Record<string, string | number | boolean | readonly string[] | null>>;
  /** Set by aggregation (audit/refusal-aggregator.ts): how many identical events this one stands for. */
  readonly count?: number;
  /** With `count`: when the last of them happened. */
  readonly lastTime?: string;
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

/**
 * The request facts a security event records. Takes the request context's
 * fields, not the context, so audit/ does not depend on what a request holds.
 */
export function eventOrigin(request: { readonly ip: string; readonly requestId: string }, principal?: string): EventOrigin {
  return { ip: request.ip, requestId: request.requestId, principal };
}

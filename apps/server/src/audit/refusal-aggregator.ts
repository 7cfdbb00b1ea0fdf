import { clientKey } from '../ratelimit/client-key.js';
import type { SecurityEvent, SecurityEventSink, SecurityEventType } from './security-events.js';

/**
 * The refusals a caller can repeat at will, and the details that make two of
 * them "the same" (besides type and principal, or IP when anonymous). Other
 * events are never aggregated: each login, reuse or key change stands alone.
 */
const AGGREGATED: Partial<Record<SecurityEventType, readonly string[]>> = {
  'authz.denied': ['path', 'reason'],
  'ratelimit.exceeded': ['path', 'policy'],
  'login.blocked': ['policy'],
};

/** Windows open at once, at most; past it the oldest is closed early (its summary written), so memory stays bounded. */
export const MAX_OPEN_WINDOWS = 10_000;

export interface RefusalAggregatorOptions {
  readonly windowMs: number;
  readonly now: () => number;
  /** Called for each event folded into a count rather than written. */
  readonly onAggregated?: (type: SecurityEventType) => void;
  readonly maxOpenWindows?: number;
}

/** A sink in front of the audit log that folds repeated refusals into counted records. */
export interface RefusalAggregator extends SecurityEventSink {
  /** Writes the summaries of windows that have ended. */
  sweep(): Promise<void>;
  /** Writes every pending summary now (shutdown). */
  flush(): Promise<void>;
}

interface Window {
  readonly endsAt: number;
  repeats: number;
  first: SecurityEvent | undefined;
  last: SecurityEvent | undefined;
  details: Record<string, SecurityEvent['details'][string]>;
  readonly varied: Set<string>;
}

/**
 * Per principal (or client IP), type and procedure, a window opens with the
 * first refusal, which is written at once (alerts and admins see it without
 * delay). Repeats inside the window are only counted; when it ends they are
 * written as one record with `count`, `time` of the first repeat and
 * `lastTime` of the last. A flood therefore costs the log two records per
 * window and subject, whatever its size. Details that differ between the
 * repeats (the emails of a blocked IP's attempts) are dropped and named in
 * `details.varied`, so the record never claims more than all of them share.
 */
export function createRefusalAggregator(inner: SecurityEventSink, options: RefusalAggregatorOptions): RefusalAggregator {
  const windows = new Map<string, Window>();
  const maxOpen = options.maxOpenWindows ?? MAX_OPEN_WINDOWS;

  async function close(key: string, window: Window): Promise<void> {
    if (windows.get(key) === window) windows.delete(key);
    const { first, last } = window;
    if (first === undefined || last === undefined) return;
    if (window.repeats === 1) return inner.record(first);
    const details = window.varied.size === 0 ? window.details : { ...window.details, varied: [...window.varied].sort() };
    await inner.record({ ...first, details, count: window.repeats, lastTime: last.time });
  }

  return {
    async record(event) {
      const fields = AGGREGATED[event.type];
      if (fields === undefined) return inner.record(event);
      const subject = event.principal ?? `ip:${clientKey(event.ip)}`;
      const key = [event.type, subject, ...fields.map((field) => JSON.stringify(event.details[field] ?? null))].join('\u0000');
      const now = options.now();
      // No await until the window is settled in the map: concurrent refusals of one key must count into the same window.
      let window = windows.get(key);
      const pending: Array<void | Promise<void>> = [];
      if (window !== undefined && now >= window.endsAt) {
        pending.push(close(key, window));
        window = undefined;
      }
      if (window === undefined) {
        windows.set(key, { endsAt: now + options.windowMs, repeats: 0, first: undefined, last: undefined, details: {}, varied: new Set() });
        pending.push(inner.record(event));
        // Map order is insertion order: the first entries are the oldest windows.
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
      if (window.first === undefined) {
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
    },
  };
}

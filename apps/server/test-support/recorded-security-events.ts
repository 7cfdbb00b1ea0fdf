import { createLogger } from '../src/http/logger.js';
import { createSecurityEvents, type SecurityEvent, type SecurityEvents } from '../src/audit/security-events.js';
import { createLogLineCollector } from './log-line-collector.js';

/**
 * For tests: the server's real security-event emitter, logging to memory, and the events it logged so far
 * (each event is one JSON log line, written synchronously). Nothing in the server imports it.
 */
export function createRecordedSecurityEvents(): { readonly events: SecurityEvents; recorded(): SecurityEvent[] } {
  const { destination, lines } = createLogLineCollector();
  const events = createSecurityEvents(createLogger({ logLevel: 'info' }, { destination }));
  return {
    events,
    recorded: () =>
      lines.map((line) => (JSON.parse(line) as { event?: SecurityEvent }).event).filter((event): event is SecurityEvent => event !== undefined),
  };
}

import { Writable } from 'node:stream';

/**
 * A log destination that keeps every JSON line in memory, for tests that
 * assert what was (and was not) logged. Nothing in the server uses it.
 */
export function createLogLineCollector(): { readonly destination: Writable; readonly lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { destination, lines };
}

import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request's abort signal, as tRPC's adapters build it: aborts when the
 * client leaves before the answer was written. Built only when a procedure
 * asks for it (an AbortController costs 10-20 µs on Node 20).
 */
export function clientAbortSignal(request: IncomingMessage, response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableEnded) controller.abort();
  });
  request.once('aborted', () => controller.abort());
  return controller.signal;
}

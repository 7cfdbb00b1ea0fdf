/**
 * A header name in lower case, as Node and HTTP/2 carry it. Names come from
 * the server's own code (a few dozen literals), and String#toLowerCase is a
 * builtin call on every header of every answer: each distinct name is
 * lowered once. The memo is bounded all the same, in case a name is ever
 * built from input.
 */
export function headerName(name: string): string {
  let lowered = LOWERED.get(name);
  if (lowered === undefined) {
    lowered = name.toLowerCase();
    if (LOWERED.size < MAX_REMEMBERED_NAMES) LOWERED.set(name, lowered);
  }
  return lowered;
}

const MAX_REMEMBERED_NAMES = 256;
const LOWERED = new Map<string, string>();

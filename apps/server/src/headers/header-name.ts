import { boundedMemo } from './bounded-memo.js';

/**
 * A header name in lower case, as Node and HTTP/2 carry it. Names come from
 * the server's own code (a few dozen literals), and String#toLowerCase is a
 * builtin call on every header of every answer: each distinct name is
 * lowered once.
 */
export const headerName: (name: string) => string = boundedMemo((name) => name.toLowerCase(), 256);

/** One page of a list, with the opaque cursor of the next page or null at the end. */
export interface Page<TItem> {
  readonly items: readonly TItem[];
  readonly nextCursor: string | null;
}

export interface PageRequest {
  readonly cursor: string | undefined;
  readonly limit: number;
}

export const DEFAULT_PAGE_SIZE = 20;

/**
 * Cursors are opaque to clients: base64url of the last item's sort key. A
 * cursor that does not decode is a client error, never a crash or a silent
 * restart from the first page.
 */
export function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not one this server issued');
    this.name = 'InvalidCursorError';
  }
}

export function decodeCursor(cursor: string, isValid: (position: string) => boolean): string {
  const position = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isValid(position)) throw new InvalidCursorError();
  return position;
}

/**
 * Cursors of lists ordered by an increasing sequence number (memory lists and
 * Redis sorted sets alike), so a cursor means the same on either store.
 */
export function encodeSequenceCursor(sequence: number): string {
  return encodeCursor(`s:${sequence}`);
}

export function decodeSequenceCursor(cursor: string): number {
  return Number(decodeCursor(cursor, (position) => /^s:\d{1,15}$/.test(position)).slice(2));
}

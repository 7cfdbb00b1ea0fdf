import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** An HTTP/1.1 answer read off a raw socket: what a client that writes its own request lines sees. */
export interface RawHttpAnswer {
  readonly status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Opens a TCP connection to the server behind `baseUrl`. */
export async function openSocket(baseUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  return socket;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body`
 * exactly as written, with `connection: close`, and reads the answer until
 * the server closes. For request lines fetch will not write: absolute-form
 * targets, raw percent-escapes, malformed headers.
 */
export async function rawRequest(baseUrl: string, head: string, body = ''): Promise<RawHttpAnswer> {
  const socket = await openSocket(baseUrl);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  socket.write(`${head}\r\nconnection: close\r\n\r\n${body}`);
  await closed;
  return parseAnswer(Buffer.concat(chunks));
}

/** Parses one HTTP/1.1 answer (a Content-Length body, or a chunked one). */
export function parseAnswer(bytes: Buffer): RawHttpAnswer {
  const split = bytes.indexOf('\r\n\r\n');
  const head = (split === -1 ? bytes : bytes.subarray(0, split)).toString('latin1');
  const rawBody = split === -1 ? Buffer.alloc(0) : bytes.subarray(split + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rawBody) : rawBody;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}

/** Chunk sizes count bytes: the body is reassembled before it is decoded. */
function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface ServedWebApp {
  readonly origin: string;
  /** What /config.json answers: set once Gatehouse's URL is known. */
  setConfig(config: { gatehouseUrl: string; clientId: string; scope: string }): void;
  close(): Promise<void>;
}

/**
 * The built web app (apps/web, `vite build`) as a static host serves it:
 * files from `dist`, index.html for any other path (the app routes /cb
 * itself), /config.json from memory, and a CSP that lets the page talk to
 * Gatehouse and nothing else.
 */
export async function serveWebApp(dist: string): Promise<ServedWebApp> {
  let config: string | undefined;
  let gatehouseOrigin = "'none'";
  const server: Server = createServer((request, reply) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path === '/config.json' && config !== undefined) {
        reply.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(config);
        return;
      }
      const file = normalize(join(dist, path));
      const inside = file.startsWith(dist) && extname(file) !== '';
      const body = await readFile(inside ? file : join(dist, 'index.html')).catch(() => undefined);
      if (body === undefined) {
        reply.writeHead(404).end();
        return;
      }
      reply
        .writeHead(200, {
          'content-type': CONTENT_TYPES[inside ? extname(file) : '.html'] ?? 'application/octet-stream',
          'content-security-policy': `default-src 'self'; connect-src 'self' ${gatehouseOrigin}; frame-ancestors 'none'; base-uri 'none'`,
          'cache-control': 'no-store',
        })
        .end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the web app server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    setConfig(value) {
      config = JSON.stringify(value);
      gatehouseOrigin = new URL(value.gatehouseUrl).origin;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

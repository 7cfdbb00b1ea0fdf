// The limit for Node here: one JSON endpoint on bare node:http, no auth.
import http from 'node:http';

const body = JSON.stringify({ id: 'u1', email: 'alice@gatehouse.dev', name: 'Alice', role: 'user' });
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));

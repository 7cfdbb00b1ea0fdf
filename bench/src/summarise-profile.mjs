// Summarises a V8 .cpuprofile in µs per request: self time by owner (a package, a Gatehouse source file,
// Node's internals, GC), and the inclusive time of the named parts of the call path. Frames of the compiled
// server (apps/server/dist) are mapped back to their source files through the build's source maps.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Functions whose inclusive time is reported (the synchronous part of each; awaits split async functions). */
const PARTS = [
  'trpcFastLane', 'admitToFastLane', 'serve', 'responseHeaders', 'serveTrpc', 'resolve', 'readRequestInfo',
  'createRequestContext', 'responseHeadersFor', 'resolveContract', 'runChecksAndHandler', 'authorize', 'chargeRateLimit',
  'authenticate', 'verify', 'keyOf', 'findById', 'formatError', 'getErrorShape', 'stringify', 'v4', 'randomUUID', 'inc',
  'observe', 'callRecursive', 'onSendEnd', 'helmet', 'handleCors',
];

export function summariseProfile(profile, requests, window = { fromUs: -Infinity, toUs: Infinity }) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map();
  const functions = new Map();
  let at = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index];
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < window.fromUs || at > window.toUs) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    const frame = byId.get(id).callFrame;
    add(functions, `${frame.functionName || '(anonymous)'} ${ownerOf(frame)}:${frame.lineNumber + 1}`, delta);
  }
  const owners = new Map();
  const parts = new Map();
  const attributed = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    total += us;
    add(owners, ownerOf(node.callFrame), us);
    add(attributed, attributionOf(id, byId, parent), us);
    // Inclusive: every named part on the stack, once per sample even when it recurses.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at).callFrame.functionName;
      if (PARTS.includes(name) && !seen.has(name)) {
        seen.add(name);
        add(parts, name, us);
      }
    }
  }
  const perRequest = (us) => (us / requests).toFixed(1).padStart(7);
  console.log(`CPU time sampled: ${perRequest(total)} µs per request\n\nself time by owner (µs per request):`);
  for (const [owner, us] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${perRequest(us)}  ${owner}`);
  console.log('\nby part of the call path (µs per request; Node internals counted to the code that called them):');
  for (const [part, us] of [...attributed].sort((a, b) => b[1] - a[1])) console.log(`${perRequest(us)}  ${part}`);
  console.log('\nself time by function (µs per request):');
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${perRequest(us)}  ${name}`);
  console.log('\ninclusive time of named parts (µs per request, synchronous part):');
  for (const [name, us] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`${perRequest(us)}  ${name}`);
}

/** Own-code files and libraries, grouped into the parts of the call path the issue names. */
const GROUPS = [
  [/^@trpc\/server/, 'tRPC procedure machinery (middleware steps, error shaping)'],
  [/^zod /, 'zod input/output parsing'],
  [/^(helmet|@fastify\/helmet) /, 'security headers (helmet)'],
  [/^@fastify\/cors |server\/src\/http\/cors\.ts/, 'CORS (@fastify/cors delegator)'],
  [/^prom-client |server\/src\/metrics\//, 'metrics (prom-client)'],
  [/^(pino|@pinojs\/redact|pino-std-serializers|thread-stream|sonic-boom) /, 'logging (pino child logger per request)'],
  [/^(fastify|find-my-way|light-my-request|avvio|@fastify\/[a-z-]+|fast-json-stringify|toad-cache|process-warning) /, 'Fastify routing, hooks, reply'],
  [/^jose /, 'jose (token verify)'],
  [/^(rate-limiter-flexible) |server\/src\/ratelimit\//, 'rate limiting'],
  [/server\/src\/tokens\//, 'verified-token cache (SHA-256 key)'],
  [/server\/src\/auth\/|server\/src\/routers\/contract-resolver/, 'auth and the contract checks'],
  [/server\/src\/http\/fast-trpc\//, 'fast tRPC path (resolve, serialise)'],
  [/server\/src\/(http|context)/, 'request context, response headers'],
  [/^uuid /, 'request id (uuid)'],
  [/server\/src\/(routers|stores)\//, 'handler and store (users.me)'],
];

function groupOf(owner) {
  for (const [pattern, name] of GROUPS) if (pattern.test(owner)) return name;
  return undefined;
}

/** The part a sample belongs to: its own frame's, or for Node internals the nearest caller's that has one. */
function attributionOf(id, byId, parent) {
  const leaf = ownerOf(byId.get(id).callFrame);
  if (leaf === '(garbage collector)' || leaf === '(idle)' || leaf === '(program)') return leaf;
  // Socket writes, HTTP framing and the microtask queue belong to Node's HTTP server whoever triggered them.
  if (/writev|^node:(_http_|net|internal\/stream|internal\/streams)|runMicrotasks|processTicksAndRejections/.test(leaf)) return NODE_HTTP;
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const group = groupOf(ownerOf(byId.get(at).callFrame));
    if (group !== undefined) return group;
  }
  return NODE_HTTP;
}

const NODE_HTTP = 'Node HTTP and sockets (parsing, writing, microtasks)';

function add(map, key, value) {
  map.set(key, (map.get(key) ?? 0) + value);
}

function ownerOf({ url: compiledUrl, functionName, lineNumber, columnNumber }) {
  if (compiledUrl === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  if (compiledUrl.startsWith('node:')) return compiledUrl;
  const url = sourceUrlOf(compiledUrl, lineNumber, columnNumber);
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (pkg) return `${pkg[1]} ${pkg[2].split('/').slice(-1)[0]}`;
  const own = /\/(apps|packages)\/(.+)$/.exec(url);
  if (own) return own[2];
  return url;
}

/** The source file a frame of the compiled server came from (its .map beside it), else the frame's own URL. */
const sourceMaps = new Map();
function sourceUrlOf(url, lineNumber, columnNumber) {
  if (!/\/apps\/server\/(dist|\.test-builds\/[^/]+)\/[^/]+\.js$/.test(url)) return url;
  if (!sourceMaps.has(url)) {
    let map;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    sourceMaps.set(url, map);
  }
  const entry = sourceMaps.get(url)?.findEntry(lineNumber, columnNumber);
  if (entry?.originalSource === undefined) return url;
  return new URL(entry.originalSource, pathToFileURL(fileURLToPath(url))).href;
}

// `node summarise-profile.mjs FILE REQUESTS [LAST_SECONDS]`: summarise a stored profile, optionally only its last seconds.
if (process.argv[1]?.endsWith('summarise-profile.mjs') && process.argv[2] !== undefined) {
  const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const lastUs = Number(process.argv[4] ?? 'Infinity') * 1e6;
  summariseProfile(profile, Number(process.argv[3]), { fromUs: profile.endTime - lastUs, toUs: Infinity });
}

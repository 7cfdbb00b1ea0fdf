// Loaded with `node --import` into a server by allocation-per-request.mjs: on 'start' it begins V8's sampling heap
// profiler, keeping objects the GCs free later; on 'stop' it answers with the bytes sampled and the sites that
// allocated them (the allocating function and its two callers, largest first).
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

/** `function file:line`, with package and build paths shortened. */
function frameName({ functionName, url, lineNumber }) {
  const file = url.replace(/.*node_modules\/\.pnpm\/([^/]+)\/.*/, '$1').replace(/.*\/apps\/server\/dist\//, 'server dist/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

process.on('message', async (command) => {
  if (command === 'start') {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    process.send('started');
    return;
  }
  const { profile } = await post('HeapProfiler.stopSampling');
  const bySite = new Map();
  let total = 0;
  const walk = (node, callers) => {
    const stack = [...callers, frameName(node.callFrame)].slice(-3);
    if (node.selfSize > 0) {
      const site = [...stack].reverse().join(' < ');
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child, stack);
  };
  walk(profile.head, []);
  process.send({ total, sites: [...bySite].sort((a, b) => b[1] - a[1]) });
});

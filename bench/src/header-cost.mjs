// `pnpm --filter @gatehouse/bench header-cost`: what Gatehouse's header set alone costs Node. Bare node:http answers
// users.me's body with the reference stack's five headers, then with Gatehouse's 21, interleaved for a few rounds
// (server on core 0, autocannon on core 1 when taskset exists); prints the server's CPU per request for each.
// Knobs: HEADER_COST_ROUNDS (3), HEADER_COST_DURATION (5 s).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyPort, serverCpuUs } from './server-process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const rounds = Number(process.env.HEADER_COST_ROUNDS ?? 3);
const seconds = Number(process.env.HEADER_COST_DURATION ?? 5);
const pinned = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const on = (core, command) => (pinned ? ['taskset', '-c', String(core), ...command] : command);

async function measure(headerSet) {
  const [command, ...args] = on(0, ['node', join(here, 'servers/node-http-headers.mjs')]);
  const server = spawn(command, args, { env: { ...process.env, BENCH_HEADER_SET: headerSet }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await readyPort(server);
  const load = (loadSeconds, json) =>
    new Promise((resolve) => {
      const [loadCommand, ...loadArgs] = on(1, ['node', require.resolve('autocannon/autocannon.js'), ...(json ? ['-j'] : []), '-c', '50', '-d', String(loadSeconds), `http://127.0.0.1:${port}/users/me`]);
      const child = spawn(loadCommand, loadArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
      let report = '';
      child.stdout.on('data', (chunk) => (report += chunk));
      child.once('exit', () => resolve(report));
    });
  await load(1, false);
  const before = serverCpuUs(server.pid);
  const report = JSON.parse(await load(seconds, true));
  const cpuUs = serverCpuUs(server.pid) - before;
  server.kill();
  return cpuUs / report.requests.total;
}

const results = { reference: [], gatehouse: [] };
for (let round = 1; round <= rounds; round += 1) {
  for (const set of ['reference', 'gatehouse']) {
    const perRequest = await measure(set);
    results[set].push(perRequest);
    console.log(`round ${round}/${rounds} ${set.padEnd(9)} ${perRequest.toFixed(1)} µs of server CPU per request`);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const [reference, gatehouse] = [median(results.reference), median(results.gatehouse)];
console.log(`median: reference headers ${reference.toFixed(1)} µs, Gatehouse's headers ${gatehouse.toFixed(1)} µs: +${(gatehouse - reference).toFixed(1)} µs a request`);

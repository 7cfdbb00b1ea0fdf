// The body of a password worker thread (auth/password-worker-pool.ts). Plain
// JavaScript so the same file runs under node, tsx and vitest without a loader.
// bcryptjs's sync API is right here: it blocks this thread only, and a worker
// runs one task at a time.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

if (parentPort === null) throw new Error('bcrypt-worker.mjs must run as a worker thread');
const port = parentPort;

port.on('message', (task) => {
  try {
    const value =
      task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
    port.postMessage({ id: task.id, ok: true, value });
  } catch (error) {
    port.postMessage({ id: task.id, ok: false, message: error instanceof Error ? error.name : 'Error' });
  }
});

import { Worker } from 'node:worker_threads';
import { ServiceOverloadedError } from '../errors/service-overloaded-error.js';

/**
 * bcrypt off the event loop. bcryptjs at cost 12 takes about 0.4 s of CPU
 * per compare and, even through its async API, runs on the calling thread
 * in 100 ms slices, so a few logins stall every other call. Here each
 * compare runs whole on one of `threads` worker threads; at most `queue`
 * more wait, and beyond that a call is refused at once (ServiceOverloadedError,
 * a 503 with Retry-After) instead of queueing without end.
 */
export interface PasswordWorkerPool {
  hash(password: string, cost: number): Promise<string>;
  compare(password: string, hash: string): Promise<boolean>;
  /** Tasks running plus tasks waiting. */
  readonly pending: number;
  readonly threads: number;
  /** Stops every worker; pending tasks are rejected. */
  close(): Promise<void>;
}

export interface PasswordWorkerPoolOptions {
  readonly threads: number;
  /** How many tasks may wait for a free worker. */
  readonly queue: number;
}

type Task =
  | { readonly op: 'hash'; readonly password: string; readonly cost: number }
  | { readonly op: 'compare'; readonly password: string; readonly hash: string };

interface Job {
  readonly id: number;
  readonly task: Task;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  startedAt: number;
}

type Reply = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly message: string };

const WORKER_URL = new URL('./bcrypt-worker.mjs', import.meta.url);

/** Until a task has been timed, assume cost-12 compares (about 435 ms on our machines). */
const INITIAL_TASK_MS = 450;

export class PasswordPoolClosedError extends Error {
  constructor() {
    super('The password worker pool is closed');
    this.name = 'PasswordPoolClosedError';
  }
}

export function createPasswordWorkerPool(options: PasswordWorkerPoolOptions): PasswordWorkerPool {
  const { threads, queue } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError('threads must be a positive integer');
  if (!Number.isInteger(queue) || queue < 0) throw new RangeError('queue must be a non-negative integer');

  const waiting: Job[] = [];
  let nextId = 1;
  let closed = false;
  // Moving average of task time, for an honest Retry-After.
  let averageTaskMs = INITIAL_TASK_MS;
  const slots: Slot[] = Array.from({ length: threads }, () => spawn());

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), job: undefined, startedAt: 0 };
    slot.worker.unref(); // idle workers never hold the process open; a running task refs its worker
    slot.worker.on('message', (reply: Reply) => {
      const job = slot.job;
      if (job === undefined || job.id !== reply.id) return;
      averageTaskMs = averageTaskMs * 0.8 + (performance.now() - slot.startedAt) * 0.2;
      finish(slot);
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new Error(`bcrypt ${job.task.op} failed: ${reply.message}`));
    });
    // A crashed worker fails only its own task and is replaced, so the pool keeps its size.
    const replace = (error: Error) => {
      const job = slot.job;
      slot.job = undefined;
      job?.reject(error);
      if (closed) return;
      const index = slots.indexOf(slot);
      if (index !== -1) slots[index] = spawn();
      dispatch();
    };
    slot.worker.once('error', replace);
    slot.worker.once('exit', (code) => {
      if (!closed) replace(new Error(`password worker exited with code ${code}`));
    });
    return slot;
  }

  function finish(slot: Slot): void {
    slot.job = undefined;
    slot.worker.unref();
    dispatch();
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (slot.job !== undefined) continue;
      const job = waiting.shift();
      if (job === undefined) return;
      slot.job = job;
      slot.startedAt = performance.now();
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, ...job.task });
    }
  }

  function run(task: Task): Promise<unknown> {
    if (closed) return Promise.reject(new PasswordPoolClosedError());
    const busy = slots.every((slot) => slot.job !== undefined);
    if (busy && waiting.length >= queue) {
      // Waiting would take this long; say so instead of letting the client guess.
      const retryAfterMs = Math.ceil((averageTaskMs * (waiting.length + threads)) / threads);
      return Promise.reject(new ServiceOverloadedError('password-workers', retryAfterMs));
    }
    return new Promise((resolve, reject) => {
      waiting.push({ id: nextId++, task, resolve, reject });
      dispatch();
    });
  }

  return {
    async hash(password, cost) {
      return (await run({ op: 'hash', password, cost })) as string;
    },
    async compare(password, hash) {
      return (await run({ op: 'compare', password, hash })) === true;
    },
    get pending() {
      return waiting.length + slots.filter((slot) => slot.job !== undefined).length;
    },
    threads,
    async close() {
      if (closed) return;
      closed = true;
      for (const job of waiting.splice(0)) job.reject(new PasswordPoolClosedError());
      await Promise.all(
        slots.map(async (slot) => {
          slot.job?.reject(new PasswordPoolClosedError());
          slot.job = undefined;
          await slot.worker.terminate();
        }),
      );
    },
  };
}

import bcrypt from 'bcryptjs';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceOverloadedError } from '../errors/service-overloaded-error.js';
import { createPasswordHasher } from './password-hasher.js';
import { createPasswordWorkerPool, PasswordPoolClosedError, type PasswordWorkerPool } from './password-worker-pool.js';

let pool: PasswordWorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('password worker pool', () => {
  it('hashes and compares with real bcrypt hashes, interchangeable with the main thread’s', async () => {
    pool = createPasswordWorkerPool({ threads: 2, queue: 8 });
    const hash = await pool.hash('correct horse', 4);
    expect(bcrypt.compareSync('correct horse', hash)).toBe(true);
    expect(await pool.compare('correct horse', bcrypt.hashSync('correct horse', 4))).toBe(true);
    expect(await pool.compare('wrong horse', hash)).toBe(false);
  });

  it('refuses work beyond its threads plus queue at once, with a Retry-After estimate, and recovers', async () => {
    pool = createPasswordWorkerPool({ threads: 1, queue: 2 });
    const running = [pool.hash('a', 8), pool.hash('b', 8), pool.hash('c', 8)];
    await expect(pool.hash('d', 8)).rejects.toBeInstanceOf(ServiceOverloadedError);
    await expect(pool.hash('d', 8)).rejects.toMatchObject({ retryAfterMs: expect.any(Number) });
    expect(pool.pending).toBe(3);
    await Promise.all(running);
    expect(pool.pending).toBe(0);
    expect(await pool.compare('a', await pool.hash('a', 4))).toBe(true);
  });

  it('keeps the event loop free while compares run', async () => {
    pool = createPasswordWorkerPool({ threads: 1, queue: 8 });
    const hash = bcrypt.hashSync('pw', 12);
    // Turns of the loop, counted by a timer chain: a free loop turns about once a millisecond, bcryptjs's own
    // async API on this thread once per 100 ms slice, a compareSync not at all. A count, not a longest wait: a
    // stall from the first tick is seen too, and a loaded host slows the turns far less than it slows bcrypt.
    let turns = 0;
    let counting = true;
    const turn = () => {
      turns += 1;
      if (counting) setTimeout(turn, 1);
    };
    setTimeout(turn, 1);
    const started = performance.now();
    await Promise.all([pool.compare('pw', hash), pool.compare('pw', hash), pool.compare('pw', hash)]);
    const elapsedMs = performance.now() - started;
    counting = false;
    expect(turns).toBeGreaterThan(elapsedMs / 20);
  });

  it('rejects waiting work when closed and refuses new work', async () => {
    pool = createPasswordWorkerPool({ threads: 1, queue: 4 });
    const work = Promise.allSettled([pool.hash('a', 10), pool.hash('b', 10)]);
    await pool.close();
    for (const outcome of await work) {
      expect(outcome.status === 'rejected' && outcome.reason instanceof PasswordPoolClosedError).toBe(true);
    }
    await expect(pool.hash('c', 4)).rejects.toBeInstanceOf(PasswordPoolClosedError);
  });
});

describe('password hasher on the pool', () => {
  it('turns a full queue into SERVICE_UNAVAILABLE and counts operations', async () => {
    pool = createPasswordWorkerPool({ threads: 1, queue: 0 });
    const hasher = await createPasswordHasher({ cost: 8, pool });
    const hash = await hasher.hash('password-1');
    const first = hasher.verify('password-1', hash);
    await expect(hasher.verify('password-1', hash)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await first).toBe(true);
    expect(await hasher.verify('password-1', undefined)).toBe(false);
    expect(hasher.operations).toBe(4);
  });
});

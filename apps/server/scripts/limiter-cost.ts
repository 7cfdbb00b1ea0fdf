/**
 * What one rate-limit check costs, in memory and in Redis. Not part of the
 * test suite. Run from the repository root (Redis at REDIS_URL or 6379):
 *
 *   pnpm --filter @gatehouse/server exec tsx scripts/limiter-cost.ts
 */
import { randomUUID } from 'node:crypto';
import process from 'node:process';
import pino from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createLimiter } from '../src/ratelimit/create-limiter.js';
import { createRedisConnection, waitForRedis } from '../src/stores/redis/redis-connection.js';

const spec = { name: 'bench', points: 1_000_000_000, durationSeconds: 60, blockDurationSeconds: 0 };
const logger = pino({ level: 'warn' });

async function measure(label: string, limiter: RateLimiterAbstract, calls: number, concurrency: number): Promise<void> {
  const keys = Array.from({ length: 1_000 }, (_, index) => `client-${index}`);
  for (let index = 0; index < 1_000; index += 1) await limiter.consume(keys[index % keys.length]!); // warm up
  const started = process.hrtime.bigint();
  for (let done = 0; done < calls; done += concurrency) {
    await Promise.all(Array.from({ length: concurrency }, (_, offset) => limiter.consume(keys[(done + offset) % keys.length]!)));
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const perCallUs = elapsedNs / calls / 1_000;
  process.stdout.write(`${label.padEnd(34)} ${calls.toString().padStart(7)} calls  ${perCallUs.toFixed(2).padStart(8)} µs/call  ${Math.round(calls / (elapsedNs / 1e9)).toString().padStart(8)} calls/s\n`);
}

const memory = createLimiter(spec, { kind: 'memory' });
await measure('memory, sequential', memory, 200_000, 1);
await measure('memory, 100 concurrent', memory, 200_000, 100);

const redis = createRedisConnection({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger });
await waitForRedis(redis);
const prefix = `gatehouse-bench:${randomUUID().slice(0, 8)}:`;
let fallbacks = 0;
const shared = createLimiter(spec, { kind: 'redis', redis, keyPrefix: prefix, onFallback: () => (fallbacks += 1) });
await measure('redis, sequential (one round trip)', shared, 10_000, 1);
await measure('redis, 100 concurrent (pipelined)', shared, 100_000, 100);
process.stdout.write(`insurance fallbacks during the run: ${fallbacks}\n`);

const stale = await redis.keys(`${prefix}*`);
if (stale.length > 0) await redis.unlink(...stale);
await redis.quit();

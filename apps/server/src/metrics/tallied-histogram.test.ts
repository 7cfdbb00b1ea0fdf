import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedHistogram } from './tallied-histogram.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function pair() {
  const tallied = new Registry();
  const stock = new Registry();
  const config = { name: 'call_duration_seconds', help: 'Call latency', labelNames: ['procedure', 'outcome'] as Array<'procedure' | 'outcome'>, buckets: BUCKETS };
  return {
    tallied: { registry: tallied, histogram: new TalliedHistogram({ ...config, registers: [tallied] }) },
    stock: { registry: stock, histogram: new Histogram({ ...config, registers: [stock] }) },
  };
}

/** A fixed pseudo-random sequence, so a failure replays. */
function* observations(count: number) {
  let seed = 7;
  const next = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
  const procedures = ['users.me', 'auth.login', 'orders.get'];
  const outcomes = ['ok', 'UNAUTHORIZED', 'TOO_MANY_REQUESTS'];
  for (let index = 0; index < count; index += 1) {
    const labels = { procedure: procedures[Math.floor(next() * 3)] as string, outcome: outcomes[Math.floor(next() * 3)] as string };
    // Durations across every bucket, with some exactly on a bound (le is inclusive) and some past the last.
    const value = next() < 0.1 ? (BUCKETS[Math.floor(next() * BUCKETS.length)] as number) : next() ** 3 * 8;
    yield { labels, value };
  }
}

describe('TalliedHistogram', () => {
  it('scrapes exactly as prom-client’s Histogram fed the same observations', async () => {
    const { tallied, stock } = pair();
    for (const { labels, value } of observations(5_000)) {
      tallied.histogram.observe(labels, value);
      stock.histogram.observe(labels, value);
    }
    expect(await tallied.registry.metrics()).toBe(await stock.registry.metrics());
    expect(await tallied.histogram.get()).toEqual(await stock.histogram.get());
  });

  it('counts on across reads, and through labels() and startTimer()', async () => {
    const { tallied, stock } = pair();
    for (const { histogram } of [tallied, stock]) {
      histogram.observe({ procedure: 'users.me', outcome: 'ok' }, 0.002);
      await histogram.get();
      histogram.labels('users.me', 'ok').observe(0.3);
      histogram.labels({ procedure: 'users.me', outcome: 'ok' }).observe(7);
      histogram.startTimer({ procedure: 'auth.login' })({ outcome: 'ok' });
    }
    const read = async (histogram: Histogram<'procedure' | 'outcome'>) =>
      (await histogram.get()).values.filter((value) => value.metricName?.endsWith('_count') === true).map((value) => [value.labels, value.value]);
    expect(await read(tallied.histogram)).toEqual(await read(stock.histogram));
    expect(await read(tallied.histogram)).toEqual([
      [{ procedure: 'users.me', outcome: 'ok' }, 3],
      [{ procedure: 'auth.login', outcome: 'ok' }, 1],
    ]);
  });

  it('refuses what prom-client refuses, with its messages', () => {
    const { tallied, stock } = pair();
    for (const { histogram } of [tallied, stock]) {
      expect(() => histogram.observe({ procedure: 'users.me', outcome: 'ok' }, Number.NaN)).toThrow('Value is not a valid number: NaN');
      expect(() => histogram.observe({ procedure: 'users.me', nonsense: 'x' } as never, 1)).toThrow('Added label "nonsense" is not included in initial labelset');
    }
  });

  it('forgets everything on reset', async () => {
    const { tallied } = pair();
    tallied.histogram.observe({ procedure: 'users.me', outcome: 'ok' }, 0.002);
    tallied.histogram.reset();
    expect((await tallied.histogram.get()).values).toEqual([]);
  });

  it('says so rather than half-supporting zero(), remove() and exemplars', () => {
    const { tallied } = pair();
    expect(() => tallied.histogram.zero({ procedure: 'users.me', outcome: 'ok' })).toThrow('does not offer zero()');
    expect(() => tallied.histogram.remove('users.me', 'ok')).toThrow('does not offer remove()');
    expect(() => new TalliedHistogram({ name: 'x', help: 'x', buckets: [1], enableExemplars: true, registers: [] })).toThrow('does not record exemplars');
  });

  it('matches prom-client on what the tallies could get wrong: label values as numbers, no labels, unsorted buckets, null', async () => {
    const registries = { tallied: new Registry(), stock: new Registry() };
    const make = (kind: 'tallied' | 'stock') => {
      const registers = [registries[kind]];
      const Kind = kind === 'tallied' ? TalliedHistogram : Histogram;
      return {
        byStatus: new Kind({ name: 'by_status', help: 'h', labelNames: ['status'], buckets: [1, 0.1, 10], registers }),
        plain: new Kind({ name: 'plain', help: 'h', buckets: BUCKETS, registers }),
      };
    };
    const tallied = make('tallied');
    const stock = make('stock');
    // The plain histograms are listed, at zero, before any observation.
    expect(await registries.tallied.metrics()).toBe(await registries.stock.metrics());
    for (const { byStatus, plain } of [tallied, stock]) {
      byStatus.observe({ status: '200' }, 0.05);
      byStatus.observe({ status: 200 }, 5);
      byStatus.observe({ status: 404 }, 50);
      plain.observe(0.3);
      plain.observe(null as never, 1);
      expect(() => plain.observe(null as never)).toThrow('Value is not a valid number: undefined');
    }
    expect(await registries.tallied.metrics()).toBe(await registries.stock.metrics());
  });

  it('refuses an undeclared label on a combination it already holds, as prom-client does, and counts nothing for it', async () => {
    const { tallied, stock } = pair();
    for (const { histogram } of [tallied, stock]) {
      histogram.observe({ procedure: 'users.me', outcome: 'ok' }, 0.002);
      expect(() => histogram.observe({ procedure: 'users.me', outcome: 'ok', nonsense: 'x' } as never, 0.002)).toThrow('Added label "nonsense"');
      expect(() => histogram.observe({ nonsense: 'x' } as never, Number.NaN)).toThrow('Added label "nonsense"');
    }
    expect(await tallied.registry.metrics()).toBe(await stock.registry.metrics());
  });
});

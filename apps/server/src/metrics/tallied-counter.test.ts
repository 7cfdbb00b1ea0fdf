import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedCounter } from './tallied-counter.js';

function counter(labelNames: Array<'procedure' | 'outcome'> = ['procedure', 'outcome']) {
  const registry = new Registry();
  return { registry, calls: new TalliedCounter({ name: 'calls_total', help: 'calls', labelNames, registers: [registry] }) };
}

describe('TalliedCounter', () => {
  it('shows every increment on a scrape, by label combination', async () => {
    const { registry, calls } = counter();
    calls.inc({ procedure: 'users.me', outcome: 'ok' });
    calls.inc({ procedure: 'users.me', outcome: 'ok' }, 2);
    calls.inc({ procedure: 'users.me', outcome: 'UNAUTHORIZED' });
    calls.inc({ procedure: 'auth.login', outcome: 'ok' });
    const text = await registry.metrics();
    expect(text).toContain('calls_total{procedure="users.me",outcome="ok"} 3');
    expect(text).toContain('calls_total{procedure="users.me",outcome="UNAUTHORIZED"} 1');
    expect(text).toContain('calls_total{procedure="auth.login",outcome="ok"} 1');
  });

  it('counts on across reads, handing each increment over once', async () => {
    const { calls } = counter();
    calls.inc({ procedure: 'users.me', outcome: 'ok' });
    expect((await calls.get()).values).toEqual([{ labels: { procedure: 'users.me', outcome: 'ok' }, value: 1 }]);
    expect((await calls.get()).values[0]?.value).toBe(1);
    calls.inc({ procedure: 'users.me', outcome: 'ok' }, 4);
    expect((await calls.get()).values[0]?.value).toBe(5);
  });

  it('keeps the labels of the first increment, not an object the caller changes later', async () => {
    const { calls } = counter();
    const labels = { procedure: 'users.me', outcome: 'ok' };
    calls.inc(labels);
    labels.outcome = 'FORBIDDEN';
    expect((await calls.get()).values.map((value) => value.labels)).toEqual([{ procedure: 'users.me', outcome: 'ok' }]);
  });

  it('refuses what prom-client refuses, when it is passed', () => {
    const { calls } = counter();
    expect(() => calls.inc({ procedure: 'users.me', outcome: 'ok' }, -1)).toThrow('It is not possible to decrease a counter');
    expect(() => calls.inc({ procedure: 'users.me', outcome: 'ok' }, Number.POSITIVE_INFINITY)).toThrow('Value is not a valid number');
    expect(() => calls.inc({ procedure: 'users.me', nonsense: 'x' } as never)).toThrow('Added label "nonsense" is not included in initial labelset');
  });

  it('counts without labels, and through a labels() child', async () => {
    const registry = new Registry();
    const plain = new TalliedCounter({ name: 'plain_total', help: 'plain', registers: [registry] });
    plain.inc();
    plain.inc(2);
    const { calls } = counter();
    calls.labels('users.me', 'ok').inc();
    calls.labels({ procedure: 'users.me', outcome: 'ok' }).inc(2);
    expect((await plain.get()).values[0]?.value).toBe(3);
    expect((await calls.get()).values[0]?.value).toBe(3);
  });

  it('forgets pending tallies on reset', async () => {
    const { calls } = counter();
    calls.inc({ procedure: 'users.me', outcome: 'ok' }, 7);
    calls.reset();
    calls.inc({ procedure: 'users.me', outcome: 'ok' });
    expect((await calls.get()).values).toEqual([{ labels: { procedure: 'users.me', outcome: 'ok' }, value: 1 }]);
  });

  it('refuses exemplars, which it cannot defer', () => {
    expect(() => new TalliedCounter({ name: 'x_total', help: 'x', enableExemplars: true, registers: [] })).toThrow('does not record exemplars');
  });

  it('matches prom-client on undeclared labels, numeric label values, null, and remove()', async () => {
    const registries = { tallied: new Registry(), stock: new Registry() };
    const tallied = new TalliedCounter({ name: 'responses_total', help: 'r', labelNames: ['status'], registers: [registries.tallied] });
    const stock = new Counter({ name: 'responses_total', help: 'r', labelNames: ['status'], registers: [registries.stock] });
    const plainTallied = new TalliedCounter({ name: 'plain_total', help: 'p', registers: [registries.tallied] });
    const plainStock = new Counter({ name: 'plain_total', help: 'p', registers: [registries.stock] });
    for (const counter of [tallied, stock]) {
      counter.inc({ status: '200' });
      counter.inc({ status: 200 }, 2);
      // An undeclared label throws on a combination already held too, and counts nothing.
      expect(() => counter.inc({ status: '200', nonsense: 'x' } as never)).toThrow('Added label "nonsense"');
      counter.inc({ status: 404 });
      // A removed series goes with what was counted for it so far, and starts again from its next increment.
      counter.remove('404');
    }
    for (const counter of [plainTallied, plainStock]) counter.inc(null as never);
    expect(await registries.tallied.metrics()).toBe(await registries.stock.metrics());
    for (const counter of [tallied, stock]) counter.inc({ status: 404 });
    expect(await registries.tallied.metrics()).toBe(await registries.stock.metrics());
    expect(await registries.tallied.metrics()).toContain('responses_total{status="200"} 3');
  });
});

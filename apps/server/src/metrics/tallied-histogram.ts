import { format, inspect } from 'node:util';
import { Histogram, type HistogramConfiguration, type LabelValues, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';

/** One label combination's observations: a count per bucket (the last is +Inf only), their sum and number. */
interface Cell<T extends string> {
  readonly labels: LabelValues<T>;
  readonly perBucket: Float64Array;
  sum: number;
  count: number;
}

type CellLevel<T extends string> = Map<unknown, CellLevel<T> | Cell<T>>;

/**
 * A prom-client Histogram for the per-call path: an observation adds to a
 * cell found through one Map per label (the label values as keys), and the
 * cells are read out in prom-client's own shape whenever the histogram is
 * read (a scrape, or `get()`).
 *
 * Why: prom-client builds a closure, a label string and a lookup in a plain
 * object for every observation (about 2.5 µs of every protected call under
 * the profiler). What a scrape shows is the same, bucket for bucket: the
 * differential test (tallied-histogram.test.ts) holds the two to the same
 * exposition. It needs its buckets given, validates label names when a
 * combination is first seen, and refuses a value prom-client refuses with
 * prom-client's message. Exemplars, `zero` and `remove` are not offered.
 */
export class TalliedHistogram<T extends string = string> extends Histogram<T> {
  readonly #names: readonly T[];
  readonly #bounds: readonly number[];
  readonly #config: HistogramConfiguration<T>;
  readonly #cells: CellLevel<T> = new Map();
  /** The cells in the order their label combinations were first seen: the order prom-client lists its series in. */
  readonly #inOrder: Array<Cell<T>> = [];

  constructor(config: HistogramConfiguration<T> & { readonly buckets: readonly number[] }) {
    if (config.enableExemplars === true) throw new TypeError('TalliedHistogram does not record exemplars');
    super({ ...config, buckets: [...config.buckets] });
    this.#config = config;
    this.#names = config.labelNames ?? [];
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
    this.observe = ((labelsOrValue: LabelValues<T> | number, maybeValue?: number) => this.#observe(labelsOrValue, maybeValue)) as Histogram<T>['observe'];
  }

  override reset(): void {
    // prom-client's own constructor resets before this class's fields exist.
    if (#cells in this) {
      this.#cells.clear();
      this.#inOrder.length = 0;
    }
    super.reset();
  }

  /** prom-client's children observe through its own store: these observe through the tallies (and time through startTimer, which does). */
  override labels(...args: [LabelValues<T>] | string[]): Histogram.Internal<T> {
    const labels: LabelValues<T> =
      typeof args[0] === 'object' ? args[0] : (Object.fromEntries(this.#names.map((name, index) => [name, args[index]])) as LabelValues<T>);
    const child = super.labels(...(args as string[]));
    return { observe: (value: number) => this.#observe(labels, value), startTimer: child.startTimer };
  }

  override zero(_labels: LabelValues<T>): void {
    throw new TypeError('TalliedHistogram does not offer zero()');
  }

  override remove(..._values: string[] | [LabelValues<T>]): void {
    throw new TypeError('TalliedHistogram does not offer remove()');
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    const data = await this.getForPromString();
    // As prom-client's get(): the series labels folded into each value's own, after them.
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })) };
  }

  /** The series in prom-client's order and shape: each cell's buckets (cumulative), +Inf, sum and count. */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<T> & { sharedLabels: LabelValues<T> }>> {
    const { name, help, collect, aggregator = 'sum' } = this.#config;
    if (collect !== undefined) await collect.call(this);
    const values: Array<MetricValueWithName<T> & { sharedLabels: LabelValues<T> }> = [];
    const bucket = `${name}_bucket`;
    for (const cell of this.#inOrder) {
      let cumulative = 0;
      for (let index = 0; index < this.#bounds.length; index += 1) {
        cumulative += cell.perBucket[index] as number;
        values.push({ labels: { le: this.#bounds[index] } as LabelValues<T>, sharedLabels: cell.labels, value: cumulative, metricName: bucket, exemplar: null } as never);
      }
      values.push({ labels: { le: '+Inf' } as LabelValues<T>, sharedLabels: cell.labels, value: cell.count, metricName: bucket, exemplar: null } as never);
      values.push({ labels: {}, sharedLabels: cell.labels, value: cell.sum, metricName: `${name}_sum`, exemplar: undefined } as never);
      values.push({ labels: {}, sharedLabels: cell.labels, value: cell.count, metricName: `${name}_count`, exemplar: undefined } as never);
    }
    // prom-client's typings ask for a `collect` its own Histogram never returns here; a registry reads only these fields.
    const data = { name, help, type: 'histogram', values, aggregator };
    return data as unknown as MetricObjectWithValues<MetricValueWithName<T> & { sharedLabels: LabelValues<T> }>;
  }

  #observe(labelsOrValue: LabelValues<T> | number, maybeValue: number | undefined): void {
    const labels: LabelValues<T> = typeof labelsOrValue === 'object' ? labelsOrValue : {};
    const value = typeof labelsOrValue === 'object' ? maybeValue : labelsOrValue;
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
    const cell = this.#cellOf(labels);
    let index = 0;
    while (index < this.#bounds.length && (value as number) > (this.#bounds[index] as number)) index += 1;
    cell.perBucket[index] = (cell.perBucket[index] as number) + 1;
    cell.sum += value as number;
    cell.count += 1;
  }

  #cellOf(labels: LabelValues<T>): Cell<T> {
    let level = this.#cells;
    const last = this.#names.length - 1;
    for (let index = 0; index < last; index += 1) {
      const key = labels[this.#names[index] as T];
      let next = level.get(key) as CellLevel<T> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const key = last < 0 ? undefined : labels[this.#names[last] as T];
    let cell = level.get(key) as Cell<T> | undefined;
    if (cell === undefined) {
      for (const name in labels) {
        if (!this.#names.includes(name as T)) throw new Error(`Added label "${name}" is not included in initial labelset: ${inspect(this.#names)}`);
      }
      cell = { labels: { ...labels }, perBucket: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      level.set(key, cell);
      this.#inOrder.push(cell);
    }
    return cell;
  }
}

import { format } from 'node:util';
import { Histogram, type HistogramConfiguration, type LabelValues, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';
import { LabelCells } from './label-cells.js';

/** One label combination's observations: a count per bucket (the last is +Inf only), their sum and number. */
interface Cell<T extends string> {
  readonly labels: LabelValues<T>;
  readonly perBucket: Float64Array;
  sum: number;
  count: number;
}

/** A value of the histogram's read-out, as prom-client's getForPromString lists them. */
type SeriesValue<T extends string> = MetricValueWithName<T> & { readonly sharedLabels: LabelValues<T> };

/**
 * A prom-client Histogram for the per-call path: an observation adds to a
 * cell found through one Map per label (label-cells.ts), and the cells are
 * read out in prom-client's own shape whenever the histogram is read (a
 * scrape, or `get()`).
 *
 * Why: prom-client builds a closure, a label string and a lookup in a plain
 * object for every observation (about 2.5 µs of every protected call under
 * the profiler). What a read shows is the same, series for series and bucket
 * for bucket, with or without labels: the differential test
 * (tallied-histogram.test.ts) holds the two to the same exposition and the
 * same errors. Buckets must be given. Exemplars, `zero` and `remove` are
 * refused rather than half-supported (nothing here uses them).
 */
export class TalliedHistogram<T extends string = string> extends Histogram<T> {
  readonly #bounds: readonly number[];
  readonly #config: HistogramConfiguration<T>;
  readonly #cells: LabelCells<T, Cell<T>>;

  constructor(config: HistogramConfiguration<T> & { readonly buckets: readonly number[] }) {
    if (config.enableExemplars === true) throw new TypeError('TalliedHistogram does not record exemplars');
    super({ ...config, buckets: [...config.buckets] });
    this.#config = config;
    // As given, as prom-client takes them.
    this.#bounds = [...config.buckets];
    this.#cells = new LabelCells(config.labelNames ?? []);
    // prom-client lists a histogram without labels, at zero, from the start.
    if ((config.labelNames ?? []).length === 0) this.#cellFor({});
    this.observe = ((labelsOrValue: LabelValues<T> | number, maybeValue?: number) => this.#observe(labelsOrValue, maybeValue)) as Histogram<T>['observe'];
  }

  override reset(): void {
    // prom-client's own constructor resets before this class's fields exist.
    if (#cells in this) this.#cells.clear();
    super.reset();
  }

  /** prom-client's children observe through its own store: these observe through the tallies (and time through startTimer, which does). */
  override labels(...args: [LabelValues<T>] | string[]): Histogram.Internal<T> {
    const labels: LabelValues<T> =
      typeof args[0] === 'object' ? args[0] : (Object.fromEntries((this.#config.labelNames ?? []).map((name, index) => [name, args[index]])) as LabelValues<T>);
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
  async getForPromString(): Promise<MetricObjectWithValues<SeriesValue<T>>> {
    const { name, help, collect, aggregator = 'sum' } = this.#config;
    if (collect !== undefined) await collect.call(this);
    const values: Array<SeriesValue<T>> = [];
    const bucket = `${name}_bucket`;
    for (const cell of this.#cells.all) {
      let cumulative = 0;
      for (let index = 0; index < this.#bounds.length; index += 1) {
        cumulative += cell.perBucket[index] as number;
        values.push(seriesValue({ le: this.#bounds[index] as number }, cell, cumulative, bucket, null));
      }
      values.push(seriesValue({ le: '+Inf' }, cell, cell.count, bucket, null));
      values.push(seriesValue({}, cell, cell.sum, `${name}_sum`, undefined));
      values.push(seriesValue({}, cell, cell.count, `${name}_count`, undefined));
    }
    // prom-client's typings ask for a `collect` its own Histogram never returns here; a registry reads only these fields.
    const data = { name, help, type: 'histogram', values, aggregator };
    return data as unknown as MetricObjectWithValues<SeriesValue<T>>;
  }

  #observe(labelsOrValue: LabelValues<T> | number | null | undefined, maybeValue: number | undefined): void {
    // As prom-client: a number alone is the value; otherwise the labels (none for null) and the value after them.
    // Labels are checked before the value.
    const valueOnly = typeof labelsOrValue === 'number';
    const value = valueOnly ? labelsOrValue : maybeValue;
    const cell = this.#cellFor(valueOnly ? {} : (labelsOrValue ?? {}));
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
    let index = 0;
    while (index < this.#bounds.length && (value as number) > (this.#bounds[index] as number)) index += 1;
    cell.perBucket[index] = (cell.perBucket[index] as number) + 1;
    cell.sum += value as number;
    cell.count += 1;
  }

  #cellFor(labels: LabelValues<T>): Cell<T> {
    return this.#cells.cellFor(labels, (copied) => ({ labels: copied, perBucket: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 }));
  }
}

/** One line of the read-out: its own labels (`le`), the series' labels, as prom-client's setValuePair builds it. */
function seriesValue<T extends string>(
  labels: Record<string, string | number>,
  cell: Cell<T>,
  value: number,
  metricName: string,
  exemplar: null | undefined,
): SeriesValue<T> {
  return { labels: labels as LabelValues<T>, sharedLabels: cell.labels, value, metricName, exemplar } as SeriesValue<T>;
}

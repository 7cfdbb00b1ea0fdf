import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';
import { LabelCells } from './label-cells.js';

/** One label combination's count not yet handed to prom-client. */
interface Tally<T extends string> {
  readonly labels: LabelValues<T>;
  pending: number;
}

/**
 * A prom-client Counter for the per-request path: an increment adds to a
 * tally found through one Map per label (label-cells.ts), and the tallies
 * go to prom-client whenever the counter is read (a scrape, `get()`, or
 * `remove()`), so every read sees every increment.
 *
 * Why: prom-client builds a `name:value,...` string for each increment and
 * looks it up in a plain object (about 1 µs, three times on every protected
 * call). Label combinations are the ones prom-client holds, one tally each.
 * A combination seen for the first time goes to prom-client at once (with
 * 0), so the series exists from then on as before; an undeclared label name
 * and a value prom-client refuses (negative, infinite) throw its own errors
 * at the call, as before.
 */
export class TalliedCounter<T extends string = string> extends Counter<T> {
  readonly #tallies: LabelCells<T, Tally<T>>;
  readonly #record: (labels: LabelValues<T>, value: number) => void;

  constructor(config: CounterConfiguration<T>) {
    if (config.enableExemplars === true) throw new TypeError('TalliedCounter does not record exemplars');
    const ownCollect = config.collect;
    super({
      ...config,
      collect(this: Counter<T>) {
        (this as TalliedCounter<T>).flush();
        return ownCollect?.call(this);
      },
    });
    this.#tallies = new LabelCells(config.labelNames ?? []);
    // prom-client sets its increment per instance (with or without exemplars); this keeps it for the flush.
    const promInc = this.inc.bind(this) as (labels: LabelValues<T>, value?: number) => void;
    this.#record = (labels, value) => promInc(labels, value);
    this.inc = ((labels?: LabelValues<T> | number | null, value?: number) => this.#tally(labels, value)) as Counter<T>['inc'];
  }

  /** Hands every pending tally to prom-client. */
  flush(): void {
    for (const tally of this.#tallies.all) {
      if (tally.pending === 0) continue;
      const pending = tally.pending;
      tally.pending = 0;
      this.#record(tally.labels, pending);
    }
  }

  override reset(): void {
    // prom-client's own constructor resets before this class's fields exist.
    if (#tallies in this) this.#tallies.clear();
    super.reset();
  }

  /** A removed series takes its pending count with it, as in prom-client. */
  override remove(...args: string[] | [LabelValues<T>]): void {
    this.flush();
    super.remove(...(args as string[]));
  }

  #tally(labelsOrValue: LabelValues<T> | number | null | undefined, maybeValue: number | undefined): void {
    // As prom-client: an object is the labels; anything else (a number, nothing, null) is the value.
    const labelled = typeof labelsOrValue === 'object' && labelsOrValue !== null;
    const labels: LabelValues<T> = labelled ? labelsOrValue : {};
    const value = labelled ? (maybeValue ?? 1) : ((labelsOrValue as number | null | undefined) ?? 1);
    if (!(value >= 0 && Number.isFinite(value))) return this.#record(labels, value);
    const tally = this.#tallies.cellFor(labels, (copied) => {
      // Creates the series (at 0) in prom-client, as its own first increment would.
      this.#record(copied, 0);
      return { labels: copied, pending: 0 };
    });
    tally.pending += value;
  }
}

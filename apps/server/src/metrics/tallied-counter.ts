import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';

/** One label combination's count not yet handed to prom-client. */
interface Tally<T extends string> {
  readonly labels: LabelValues<T>;
  pending: number;
}

type TallyLevel<T extends string> = Map<unknown, TallyLevel<T> | Tally<T>>;

/**
 * A prom-client Counter for the per-request path: an increment adds to a
 * tally found through one Map per label (the label values as keys), and the
 * tallies go to prom-client whenever the counter is read (a scrape, or
 * `get()`), so every read sees every increment.
 *
 * Why: prom-client builds a `name:value,...` string for each increment and
 * looks it up in a plain object (about 1 µs, three times on every protected
 * call). Label combinations are the same ones prom-client would hold, so the
 * memory bound is the same. A label combination seen for the first time goes
 * to prom-client at once (with 0), which validates its names as before, and
 * so does a value prom-client refuses (negative, not finite), which throws
 * as before.
 */
export class TalliedCounter<T extends string = string> extends Counter<T> {
  readonly #names: readonly T[];
  readonly #tallies: TallyLevel<T> = new Map();
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
    this.#names = config.labelNames ?? [];
    // prom-client sets its increment per instance (with or without exemplars); this keeps it for the flush.
    const promInc = this.inc.bind(this) as (labels: LabelValues<T>, value?: number) => void;
    this.#record = (labels, value) => promInc(labels, value);
    this.inc = ((labels?: LabelValues<T> | number, value?: number) => this.#tally(labels, value)) as Counter<T>['inc'];
  }

  /** Hands every pending tally to prom-client. */
  flush(): void {
    this.#flushLevel(this.#tallies, 0);
  }

  override reset(): void {
    // prom-client's own constructor resets before this class's fields exist.
    if (#tallies in this) this.#tallies.clear();
    super.reset();
  }

  #tally(labelsOrValue: LabelValues<T> | number | undefined, maybeValue: number | undefined): void {
    const labels: LabelValues<T> = typeof labelsOrValue === 'object' ? labelsOrValue : {};
    const value = typeof labelsOrValue === 'object' ? (maybeValue ?? 1) : (labelsOrValue ?? 1);
    if (!(value >= 0 && Number.isFinite(value))) return this.#record(labels, value);
    let level = this.#tallies;
    const last = this.#names.length - 1;
    for (let index = 0; index < last; index += 1) {
      const key = labels[this.#names[index] as T];
      let next = level.get(key) as TallyLevel<T> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const key = last < 0 ? undefined : labels[this.#names[last] as T];
    let tally = level.get(key) as Tally<T> | undefined;
    if (tally === undefined) {
      // Validates the names (prom-client throws on one it was not told of) and creates the series.
      tally = { labels: { ...labels }, pending: 0 };
      this.#record(tally.labels, 0);
      level.set(key, tally);
    }
    tally.pending += value;
  }

  #flushLevel(level: TallyLevel<T>, depth: number): void {
    for (const entry of level.values()) {
      if (depth < this.#names.length - 1) {
        this.#flushLevel(entry as TallyLevel<T>, depth + 1);
        continue;
      }
      const tally = entry as Tally<T>;
      if (tally.pending === 0) continue;
      const pending = tally.pending;
      tally.pending = 0;
      this.#record(tally.labels, pending);
    }
  }
}

import { inspect } from 'node:util';
import type { LabelValues } from 'prom-client';

type Level = Map<string | undefined, unknown>;

/**
 * A metric's per-label-combination cells, found through one Map per label
 * name (no key string built per call), for the tallied metrics
 * (tallied-counter.ts, tallied-histogram.ts). As prom-client does:
 *
 * - label values are told apart by their text (`200` and `'200'` are one
 *   series);
 * - a label name the metric was not declared with throws prom-client's own
 *   error, on every call, before anything is recorded;
 * - cells are listed in the order their combinations were first seen.
 *
 * Cells are never dropped but by clear(): one per combination seen, as
 * prom-client keeps one per series.
 */
export class LabelCells<T extends string, TCell> {
  readonly #names: readonly T[];
  readonly #root: Level = new Map();
  readonly #inOrder: TCell[] = [];

  constructor(names: readonly T[]) {
    this.#names = names;
  }

  /** The cell of `labels`, made by `create` (with a copy of them) the first time they are seen. */
  cellFor(labels: LabelValues<T>, create: (labels: LabelValues<T>) => TCell): TCell {
    for (const name in labels) {
      if (!this.#names.includes(name as T)) throw new Error(`Added label "${name}" is not included in initial labelset: ${inspect(this.#names)}`);
    }
    let level = this.#root;
    const last = this.#names.length - 1;
    for (let index = 0; index < last; index += 1) {
      const key = textOf(labels[this.#names[index] as T]);
      let next = level.get(key) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const key = last < 0 ? undefined : textOf(labels[this.#names[last] as T]);
    let cell = level.get(key) as TCell | undefined;
    if (cell === undefined) {
      cell = create({ ...labels });
      level.set(key, cell);
      this.#inOrder.push(cell);
    }
    return cell;
  }

  /** Every cell, in the order its combination was first seen. */
  get all(): readonly TCell[] {
    return this.#inOrder;
  }

  clear(): void {
    this.#root.clear();
    this.#inOrder.length = 0;
  }
}

function textOf(value: string | number | undefined): string | undefined {
  return value === undefined || typeof value === 'string' ? value : String(value);
}

/**
 * `compute` remembered per key, for pure functions of header values the
 * server writes itself (a few dozen distinct strings), which run on every
 * answer: each key is computed once. Bounded all the same, in case a key is
 * ever built from input: past `maxEntries` keys are computed each time.
 */
export function boundedMemo<T>(compute: (key: string) => T, maxEntries: number): (key: string) => T {
  const remembered = new Map<string, T>();
  return (key) => {
    if (remembered.has(key)) return remembered.get(key) as T;
    const value = compute(key);
    if (remembered.size < maxEntries) remembered.set(key, value);
    return value;
  };
}

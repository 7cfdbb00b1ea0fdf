/** One line per measured drill on stderr, `drill: <name>: <numbers>`, so a CI log shows each recovery time. */
export function reportDrill(name: string, numbers: Readonly<Record<string, number | string>>): void {
  const text = Object.entries(numbers)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  process.stderr.write(`drill: ${name}: ${text}\n`);
}

/** Polls `check` every 50 ms until it holds; resolves to the milliseconds it took, or rejects after `timeoutMs`. */
export async function timeUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return Math.round(performance.now() - started);
    if (performance.now() - started > timeoutMs) throw new Error(`did not recover within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls `condition` every 10 ms until it holds, failing after `timeoutMs`: for what another connection
 * reports in its own time (Redis's invalidation announcements, a killed connection noticed). Test-only.
 */
export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';

let gatehouse: RunningGatehouse;
beforeAll(async () => {
  gatehouse = await startGatehouse();
});
afterAll(() => gatehouse.close());

it('serves this project’s suites on the tRPC path the project names (fast path unless e2e-stock-adapter)', () => {
  expect(gatehouse.server.deps.config.trpcFastPath).toBe(inject('trpcFastPath') !== false);
});

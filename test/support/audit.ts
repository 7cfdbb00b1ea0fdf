import { expect, vi } from 'vitest';
import { bearer, callProcedure } from './http.js';

export interface ListedRecord {
  sequence: number;
  type: string;
  ip: string;
  principal: string | null;
  requestId: string;
  time: string;
  details: Record<string, unknown>;
}

/** admin.auditLog.list as an admin sees it, asserting a 200. */
export async function listAudit(baseUrl: string, adminToken: string, input: Record<string, unknown> = {}): Promise<{ items: ListedRecord[]; nextCursor: string | null }> {
  const response = await callProcedure(baseUrl, 'admin.auditLog.list', { input, headers: bearer(adminToken) });
  expect(response.status).toBe(200);
  return response.body.result.data;
}

/**
 * Waits for a record matching `where` to appear: sinks run after the
 * request that emitted the event, so the record lands a moment later.
 */
export async function waitForAuditRecord(
  baseUrl: string,
  adminToken: string,
  type: string,
  where: (record: ListedRecord) => boolean = () => true,
): Promise<ListedRecord> {
  return vi.waitFor(
    async () => {
      const page = await listAudit(baseUrl, adminToken, { type, limit: 100 });
      const found = page.items.find(where);
      if (found === undefined) throw new Error(`no ${type} record yet`);
      return found;
    },
    { timeout: 3_000, interval: 25 },
  );
}

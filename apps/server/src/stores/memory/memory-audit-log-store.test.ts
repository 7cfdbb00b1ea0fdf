import type { AuditRecord } from '@gatehouse/contracts';
import { describeAuditLogStore } from '../audit-log-store.suite.js';
import { DEFAULT_AUDIT_LOG_MAX_RECORDS } from '../audit-log-store.js';
import { createMemoryAuditLogStore } from './memory-audit-log-store.js';
import { RingBuffer } from './ring-buffer.js';

describeAuditLogStore(
  'memory',
  async ({ maxRecords }) => {
    const ring = new RingBuffer<AuditRecord>(maxRecords ?? DEFAULT_AUDIT_LOG_MAX_RECORDS);
    const store = createMemoryAuditLogStore({ ring });
    const indexOf = (sequence: number) => [...ring.oldestFirst()].findIndex((record) => record.sequence === sequence);
    return {
      store,
      async tamper(sequence, edit) {
        const index = indexOf(sequence);
        ring.set(index, edit(ring.at(index) as AuditRecord));
      },
      async remove(sequence) {
        ring.removeAt(indexOf(sequence));
      },
      async storedCount() {
        return ring.size;
      },
      async close() {},
    };
  },
  { boundSlack: 0 },
);

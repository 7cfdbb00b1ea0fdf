import { randomBytes } from 'node:crypto';
import type { AuditRecord } from '@gatehouse/contracts';
import { describe, expect, it } from 'vitest';
import { createAuditChain } from '../../audit/audit-chain.js';
import { auditEvent, describeAuditLogStore } from '../../../test-support/audit-log-store-behaviour.js';
import type { AuditTrim } from '../audit-log-store.js';
import { createMemoryAuditLogStore, MEMORY_AUDIT_LOG_CAPACITY } from './memory-audit-log-store.js';
import { RingBuffer } from './ring-buffer.js';

describeAuditLogStore('memory', async ({ chain }) => {
  const ring = new RingBuffer<AuditRecord>(MEMORY_AUDIT_LOG_CAPACITY);
  const store = createMemoryAuditLogStore({ chain, ring });
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
    async removeAll() {
      while (ring.size > 0) ring.shift();
    },
    async appendRaw(record) {
      ring.push(record);
    },
    async storedCount() {
      return ring.size;
    },
    async close() {},
  };
});

describe('AuditLogStore: memory, at its capacity', () => {
  it('removes the oldest tenth at once, reports the trim, and verifies it as retention, not as a cut', async () => {
    const trims: AuditTrim[] = [];
    const store = createMemoryAuditLogStore({ chain: createAuditChain(randomBytes(32)), capacity: 100, onCapacityTrim: (trim) => trims.push(trim) });
    for (let index = 0; index < 101; index += 1) await store.append(auditEvent('login.failed', undefined, { n: index }));
    expect(trims).toEqual([{ removed: 10, trimmedBefore: 10 }]);
    expect(await store.verify()).toEqual({ intact: true, checked: 91, checkedFrom: 10, trimmedBefore: 10, firstBreak: null });
  });
});

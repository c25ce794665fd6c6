import { silentLogger, type Delivery, type WireMessage } from '@switchboard/core';
import { describe, expect, it, vi } from 'vitest';
import { DelayForwarder, DUE_HEADER } from './delay-forwarder.js';

describe('DelayForwarder', () => {
  it('forwards when due, and drops what it held of partitions a rebalance took away', async () => {
    const forwarded: WireMessage[] = [];
    const acked: string[] = [];
    const forwarder = new DelayForwarder({ forward: async (m) => void forwarded.push(m), logger: silentLogger, label: 'test' });
    const due = String(Date.now() + 30);
    for (const [id, partition] of [['a', 0], ['b', 1], ['c', 1]] as const) {
      const factory = forwarder.deliveries(() => ({ id, body: Buffer.from(id), headers: { [DUE_HEADER]: due }, timestamp: 1, redelivered: false, ack: () => void acked.push(id) }) as Delivery);
      forwarder.deliver(factory({} as never, partition, () => {}, false) as Delivery);
    }
    forwarder.assigned([1]);
    await vi.waitFor(() => expect(acked).toEqual(['b', 'c']), { timeout: 2_000, interval: 5 });
    expect(forwarded.map((m) => m.id)).toEqual(['b', 'c']);
    expect(forwarded[0]?.headers[DUE_HEADER]).toBeUndefined();
    forwarder.close();
  });
});

import { describe, expect, it } from 'vitest';
import type { Delivery } from '@switchboard/core';
import { createMemoryBackend } from '@switchboard/memory';
import { waitFor } from '@switchboard/testkit';

const wire = (n: number) => ({ body: Buffer.from(String(n)), headers: {}, id: `m-${n}`, timestamp: n });

// Through the backend SPI: what core would see. A backlog must not turn into a pile of deliveries.
describe('memory backpressure', () => {
  it('hands a consumer at most `concurrency` unacked deliveries out of a large backlog', async () => {
    const backend = createMemoryBackend({ url: 'memory://bp-limit' });
    await backend.connect();
    await backend.ensureChannel({ name: 'c', requires: {}, groups: ['g'], options: {} });
    const total = 200_000;
    for (let sent = 0; sent < total; sent += 1000) await backend.publish('c', Array.from({ length: 1000 }, (_, i) => wire(sent + i)));
    const held: Delivery[] = [];
    await backend.consume('c', 'g', { concurrency: 8, orderedByKey: false, status: () => {} }, (d) => void held.push(d));
    await waitFor(() => held.length === 8, { message: '8 deliveries' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.length).toBe(8);
    held.splice(0, 3).forEach((d) => d.ack());
    await waitFor(() => held.length === 8, { message: 'refilled to 8' });
    expect(held.map((d) => d.id)).toEqual(Array.from({ length: 8 }, (_, i) => `m-${i + 3}`));
    await backend.close();
  });

  it('waits for the promise deliver() returns before handing over more', async () => {
    const backend = createMemoryBackend({ url: 'memory://bp-promise' });
    await backend.connect();
    await backend.ensureChannel({ name: 'c', requires: {}, groups: ['g'], options: {} });
    await backend.publish('c', Array.from({ length: 10 }, (_, i) => wire(i)));
    let room!: () => void;
    const seen: Delivery[] = [];
    await backend.consume('c', 'g', { concurrency: 64, orderedByKey: false, status: () => {} }, (d) => {
      seen.push(d);
      return new Promise<void>((resolve) => (room = resolve));
    });
    await waitFor(() => seen.length === 1, { message: 'first delivery' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.length).toBe(1);
    room();
    await waitFor(() => seen.length === 2, { message: 'second after room' });
    await backend.close();
  });

  it('settles each delivery once: a second ack or a late ack after close changes nothing', async () => {
    const backend = createMemoryBackend({ url: 'memory://bp-once' });
    await backend.connect();
    await backend.ensureChannel({ name: 'c', requires: {}, groups: ['g'], options: {} });
    await backend.publish('c', [wire(1), wire(2)]);
    const seen: Delivery[] = [];
    const handle = await backend.consume('c', 'g', { concurrency: 1, orderedByKey: false, status: () => {} }, (d) => void seen.push(d));
    await waitFor(() => seen.length === 1, { message: 'first' });
    await handle.stop();
    await handle.close();
    seen[0]?.ack();
    seen[0]?.ack();
    const again: Delivery[] = [];
    await backend.consume('c', 'g', { concurrency: 1, orderedByKey: false, status: () => {} }, (d) => void again.push(d));
    await waitFor(() => again.length === 1, { message: 'redelivery' });
    expect(again[0]?.id).toBe('m-1');
    expect(again[0]?.redelivered).toBe(true);
    await backend.close();
  });
});

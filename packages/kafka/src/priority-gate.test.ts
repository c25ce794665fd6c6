import type { Delivery } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { PriorityGate } from './priority-gate.js';

function delivery(id: string): Delivery {
  return { id, body: Buffer.alloc(0), headers: {}, timestamp: 0, redelivered: false, ack: () => {} };
}

function setup(options: { levels?: number; concurrency?: number; bufferSize?: number; starvationLimit?: number } = {}) {
  const handed: Delivery[] = [];
  const gate = new PriorityGate({
    levels: options.levels ?? 3,
    concurrency: options.concurrency ?? 1,
    bufferSize: options.bufferSize ?? 100,
    starvationLimit: options.starvationLimit ?? 8,
    deliver: (d) => void handed.push(d),
  });
  const ids = () => handed.map((d) => d.id);
  /** Settles the oldest handed-out delivery that is not settled yet. */
  let next = 0;
  const settle = (n = 1) => {
    for (let i = 0; i < n; i++) handed[next++]?.ack();
  };
  return { gate, handed, ids, settle };
}

/** Lets the gate's pump, which runs once the turn that handed it records is over, run. */
const turn = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe('PriorityGate', async () => {
  it('holds lower levels until every higher level joined and its unread partitions showed a record', async () => {
    const { gate, ids } = setup();
    gate.deliverFor(0, 0, delivery('low'));
    await turn();
    expect(ids()).toEqual([]);
    gate.assigned(2, [0, 1], [0, 1]);
    gate.assigned(1, [0], []);
    await turn();
    expect(ids()).toEqual([]);
    gate.known(2, 1);
    await turn();
    expect(ids()).toEqual([]);
    gate.deliverFor(2, 0, delivery('urgent'));
    await turn();
    expect(ids()).toEqual(['urgent']);
  });

  it('a fetched batch handed over in one turn goes out whole before a lower level, even when each message settles at once', async () => {
    const handed: string[] = [];
    const gate: PriorityGate = new PriorityGate({
      levels: 2,
      concurrency: 4,
      bufferSize: 100,
      starvationLimit: 8,
      deliver: (d) => {
        handed.push(d.id);
        d.ack();
        return undefined;
      },
    });
    for (let i = 0; i < 5; i++) gate.deliverFor(0, 0, delivery(`l${i}`));
    gate.assigned(1, [0, 1], [0, 1]);
    gate.deliverFor(1, 0, delivery('p0-h0'));
    await turn();
    // The last unknown partition shows its batch of three: the lows wait until all three went.
    for (let i = 0; i < 3; i++) gate.deliverFor(1, 1, delivery(`p1-h${i}`));
    await turn();
    expect(handed).toEqual(['p0-h0', 'p1-h0', 'p1-h1', 'p1-h2', 'l0', 'l1', 'l2', 'l3', 'l4']);
  });

  it('hands out at most concurrency, highest level first, FIFO within a level', async () => {
    const { gate, ids, settle } = setup({ concurrency: 2 });
    gate.assigned(1, [0], []);
    gate.assigned(2, [0], []);
    gate.deliverFor(0, 0, delivery('l1'));
    gate.deliverFor(0, 0, delivery('l2'));
    gate.deliverFor(0, 0, delivery('l3'));
    await turn();
    expect(ids()).toEqual(['l1', 'l2']);
    gate.deliverFor(1, 0, delivery('m1'));
    gate.deliverFor(2, 0, delivery('h1'));
    gate.deliverFor(2, 0, delivery('h2'));
    await turn();
    settle();
    expect(ids()).toEqual(['l1', 'l2', 'h1']);
    settle(2);
    expect(ids()).toEqual(['l1', 'l2', 'h1', 'h2', 'm1']);
    settle(2);
    expect(ids()).toEqual(['l1', 'l2', 'h1', 'h2', 'm1', 'l3']);
    expect(gate.handedOut).toBe(1);
  });

  it('anti-starvation: after starvationLimit higher hand-outs in a row a waiting lower message goes', async () => {
    const { gate, ids, settle } = setup({ levels: 2, starvationLimit: 3 });
    gate.assigned(1, [0], []);
    gate.deliverFor(1, 0, delivery('h0'));
    await turn();
    gate.deliverFor(0, 0, delivery('l0'));
    gate.deliverFor(0, 0, delivery('l1'));
    for (let i = 1; i < 8; i++) gate.deliverFor(1, 0, delivery(`h${i}`));
    await turn();
    // h0 went before any low waited; then 3 highs passed l0 over, so l0 goes, and so on.
    for (let i = 0; i < 12; i++) settle();
    expect(ids()).toEqual(['h0', 'h1', 'h2', 'h3', 'l0', 'h4', 'h5', 'h6', 'l1', 'h7']);
  });

  it('anti-starvation reaches every level: the highest starved level goes first, then the next', async () => {
    const { gate, ids, settle } = setup({ levels: 3, starvationLimit: 2 });
    gate.assigned(1, [0], []);
    gate.assigned(2, [0], []);
    gate.deliverFor(2, 0, delivery('h0'));
    await turn();
    gate.deliverFor(0, 0, delivery('l0'));
    gate.deliverFor(1, 0, delivery('m0'));
    for (let i = 1; i < 6; i++) gate.deliverFor(2, 0, delivery(`h${i}`));
    await turn();
    for (let i = 0; i < 20; i++) settle();
    expect(ids()).toEqual(['h0', 'h1', 'h2', 'm0', 'l0', 'h3', 'h4', 'h5']);
  });

  it('backpressure: a full level makes its consumer wait until one of it is handed out', async () => {
    const { gate, settle } = setup({ levels: 1, bufferSize: 2 });
    expect(gate.deliverFor(0, 0, delivery('a'))).toBeUndefined();
    await turn(); // handed out
    expect(gate.deliverFor(0, 0, delivery('b'))).toBeUndefined();
    const room = gate.deliverFor(0, 0, delivery('c'));
    expect(room).toBeInstanceOf(Promise);
    let woke = false;
    void room?.then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    settle();
    await Promise.resolve();
    expect(woke).toBe(true);
    expect(gate.waiting).toEqual([1]);
  });

  it('drops what it held of revoked partitions, and stop() hands out nothing more', async () => {
    const { gate, ids, settle } = setup({ levels: 2 });
    gate.assigned(1, [0, 1], []);
    gate.deliverFor(1, 0, delivery('h0'));
    gate.deliverFor(1, 1, delivery('p1-a'));
    gate.deliverFor(1, 1, delivery('p1-b'));
    gate.assigned(1, [0], []);
    await turn();
    settle();
    expect(ids()).toEqual(['h0']);
    gate.deliverFor(0, 0, delivery('l0'));
    await turn();
    expect(ids()).toEqual(['h0', 'l0']);
    gate.deliverFor(0, 0, delivery('l1'));
    gate.stop();
    settle();
    expect(ids()).toEqual(['h0', 'l0']);
  });

  it('a settled retryLater frees the slot once, even when ack follows', async () => {
    const handed: Delivery[] = [];
    const gate = new PriorityGate({ levels: 1, concurrency: 1, bufferSize: 10, starvationLimit: 8, deliver: (d) => void handed.push(d) });
    const first = { ...delivery('a'), retryLater: () => Promise.resolve() };
    gate.deliverFor(0, 0, first);
    gate.deliverFor(0, 0, delivery('b'));
    gate.deliverFor(0, 0, delivery('c'));
    await handed[0]?.retryLater?.(1, {});
    handed[0]?.ack();
    expect(handed.map((d) => d.id)).toEqual(['a', 'b']);
  });
});

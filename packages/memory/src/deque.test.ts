import { describe, expect, it } from 'vitest';
import { Deque } from './deque.js';

describe('Deque', () => {
  it('keeps FIFO order across growth, wrap-around and unshift', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 10; i++) d.push(i);
    for (let i = 0; i < 5; i++) d.shift();
    for (let i = 10; i < 50; i++) d.push(i);
    d.unshift(4);
    expect(d.length).toBe(46);
    expect(d.at(0)).toBe(4);
    expect(d.at(45)).toBe(49);
    expect(d.at(46)).toBeUndefined();
    const out: number[] = [];
    for (let v = d.shift(); v !== undefined; v = d.shift()) out.push(v);
    expect(out).toEqual(Array.from({ length: 46 }, (_, i) => i + 4));
  });

  it('shrinks after a large backlog drains and keeps working', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 100_000; i++) d.push(i);
    // One assertion over the whole drain: an expect() per shift made this test take seconds.
    const outOfOrder: number[] = [];
    for (let i = 0; i < 99_990; i++) if (d.shift() !== i) outOfOrder.push(i);
    expect(outOfOrder).toEqual([]);
    d.push(100_000);
    expect(Array.from({ length: 11 }, () => d.shift())).toEqual(Array.from({ length: 11 }, (_, i) => 99_990 + i));
  });
});

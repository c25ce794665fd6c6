import type { ConsumerStatus } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { ConsumerHealth, RESTART_LOOP_THRESHOLD } from './consumer-health.js';

describe('ConsumerHealth', () => {
  it('recovering on a crash kafkajs restarts, failed on one it does not, live again after progress', () => {
    const reports: ConsumerStatus[] = [];
    const health = new ConsumerHealth((s) => void reports.push(s));
    const lost = new Error('connection lost');
    health.crashed(lost, true);
    health.progressed();
    const broken = new Error('unreadable batch');
    health.crashed(broken, false);
    health.progressed();
    health.progressed();
    expect(reports).toEqual([{ state: 'recovering', error: lost }, { state: 'live' }, { state: 'failed', error: broken }, { state: 'live' }]);
  });

  it('a consumer kafkajs keeps restarting without progress is failed', () => {
    const states: string[] = [];
    const health = new ConsumerHealth((s) => void states.push(s.state));
    for (let i = 0; i < RESTART_LOOP_THRESHOLD; i++) health.crashed(new Error('again'), true);
    expect(states.at(-1)).toBe('failed');
    expect(states.slice(0, -1).every((s) => s === 'recovering')).toBe(true);
  });

  it('a throwing reporter never reaches the consumer', () => {
    const health = new ConsumerHealth(() => {
      throw new Error('listener bug');
    });
    expect(() => health.crashed(new Error('x'), false)).not.toThrow();
  });
});

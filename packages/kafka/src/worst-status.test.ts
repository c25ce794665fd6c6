import { describe, expect, it } from 'vitest';
import type { ConsumerStatus } from '@switchboard/core';
import { WorstStatus } from './worst-status.js';

describe('WorstStatus', () => {
  it('reports the worst last report of its consumers, failed over recovering over live', () => {
    const reported: string[] = [];
    const statuses = new WorstStatus((status) => void reported.push(status.state));
    const channel = statuses.of(0);
    const retries = statuses.of(1);
    channel({ state: 'live' });
    retries({ state: 'recovering' });
    channel({ state: 'failed' });
    retries({ state: 'live' });
    channel({ state: 'live' });
    expect(reported).toEqual(['live', 'recovering', 'failed', 'live']);
  });

  it('does not report the same status object twice', () => {
    const reported: ConsumerStatus[] = [];
    const statuses = new WorstStatus((status) => void reported.push(status));
    const failed: ConsumerStatus = { state: 'failed' };
    statuses.of(0)(failed);
    statuses.of(1)({ state: 'live' });
    expect(reported).toEqual([failed]);
  });
});

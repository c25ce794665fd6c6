import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, KNOWN_SUPPORT } from '@switchboard/core';
import { rabbitCapabilities, rabbitChannelCapabilities } from './rabbit-capabilities.js';

describe('rabbitmq capability report', () => {
  const report = rabbitCapabilities();

  it('lists every capability with one sentence of detail and matches KNOWN_SUPPORT', () => {
    for (const name of CAPABILITY_NAMES) {
      const entry = report[name];
      expect(entry.detail).toMatch(/^[A-Z`].*\.$/);
      expect(entry.detail.slice(0, -1)).not.toMatch(/\.\s/);
      expect(entry.support).toBe(KNOWN_SUPPORT.rabbitmq[name]);
    }
    expect(report.priority.limits).toEqual({ maxPriority: 255 });
  });

  it('refuses workQueue next to orderedByKey (single active consumer), and nothing else by default', () => {
    expect(rabbitChannelCapabilities(report, { orderedByKey: true, workQueue: true }).workQueue?.support).toBe('unsupported');
    expect(rabbitChannelCapabilities(report, { orderedByKey: true })).toEqual({});
    expect(rabbitChannelCapabilities(report, { replay: true, priority: true }).replay?.support).toBe('native');
  });
});

import { ConfigError } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { compareOffsets, decodePosition, encodePosition } from './position.js';

describe('position', () => {
  it('round-trips partition, 64-bit offset and timestamp', () => {
    const position = { partition: 2, offset: '9007199254740993', timestamp: 1_700_000_000_123 };
    expect(decodePosition(encodePosition(position))).toEqual(position);
    expect(decodePosition('3:17')).toEqual({ partition: 3, offset: '17', timestamp: 0 });
  });

  it('refuses what is not a Kafka position', () => {
    for (const bad of ['', '2', 'a:1', '1:-1', '1:2:3:4']) expect(() => decodePosition(bad)).toThrow(ConfigError);
  });

  it('compareOffsets orders offsets numerically, including past 2^53', () => {
    expect(compareOffsets('9', '10')).toBeLessThan(0);
    expect(compareOffsets('10', '9')).toBeGreaterThan(0);
    expect(compareOffsets('42', '42')).toBe(0);
    expect(compareOffsets('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
  });
});

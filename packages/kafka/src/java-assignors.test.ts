import { describe, expect, it } from 'vitest';
import { rangeAssignment, roundRobinAssignment } from './java-assignors.js';

const plain = (assignment: Map<string, Map<string, number[]>>): Record<string, Record<string, number[]>> =>
  Object.fromEntries([...assignment].map(([member, topics]) => [member, Object.fromEntries(topics)]));

// Expected values are the examples in the Java client's RangeAssignor / RoundRobinAssignor Javadoc.
describe('Java-compatible assignors', () => {
  const members = [
    { memberId: 'C1', topics: ['t0', 't1'] },
    { memberId: 'C0', topics: ['t0', 't1'] },
  ];
  const counts = new Map([
    ['t1', 3],
    ['t0', 3],
  ]);

  it('range: per topic, consecutive ranges in member order, the first members one extra', () => {
    expect(plain(rangeAssignment(members, counts))).toEqual({ C0: { t0: [0, 1], t1: [0, 1] }, C1: { t0: [2], t1: [2] } });
  });

  it('roundrobin: every partition in topic order, dealt to members in order', () => {
    expect(plain(roundRobinAssignment(members, counts))).toEqual({ C0: { t0: [0, 2], t1: [1] }, C1: { t0: [1], t1: [0, 2] } });
  });

  it('roundrobin skips members not subscribed to a topic (Javadoc example with three members)', () => {
    const mixed = [
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
    ];
    const sizes = new Map([
      ['t0', 1],
      ['t1', 2],
      ['t2', 3],
    ]);
    expect(plain(roundRobinAssignment(mixed, sizes))).toEqual({ C0: { t0: [0] }, C1: { t1: [0] }, C2: { t1: [1], t2: [0, 1, 2] } });
  });

  it('orders static members (group.instance.id) first, like Java', () => {
    const staticFirst = [
      { memberId: 'a', topics: ['t'] },
      { memberId: 'z', groupInstanceId: 'svc-1', topics: ['t'] },
    ];
    expect(plain(rangeAssignment(staticFirst, new Map([['t', 3]])))).toEqual({ z: { t: [0, 1] }, a: { t: [2] } });
  });

  it('gives members beyond the partition count nothing', () => {
    const many = ['m1', 'm2', 'm3'].map((memberId) => ({ memberId, topics: ['t'] }));
    expect(plain(rangeAssignment(many, new Map([['t', 2]])))).toEqual({ m1: { t: [0] }, m2: { t: [1] }, m3: {} });
  });
});

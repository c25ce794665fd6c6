import type { Assigner, GroupMember, GroupMemberAssignment, PartitionAssigner } from 'kafkajs';
import { AssignerProtocol, PartitionAssigners } from './kafkajs-runtime.js';

/**
 * Group protocols (partition assignors) a Switchboard member offers, by their wire names:
 * `range` and `roundrobin` are the Java client's RangeAssignor and RoundRobinAssignor, computed the
 * same way; `RoundRobinAssigner` is kafkajs' own (what Switchboard members offered before, kept so
 * old and new members can share a group during a rolling upgrade). The broker picks the first
 * protocol every member offers, by vote.
 */
export const ASSIGNOR_NAMES = ['range', 'roundrobin', 'RoundRobinAssigner'] as const;
/** A group protocol Switchboard members can offer: one of {@link ASSIGNOR_NAMES}. */
export type AssignorName = (typeof ASSIGNOR_NAMES)[number];

/**
 * ConsumerProtocol version written in our subscription and assignment. v0 carries exactly what
 * eager assignors need (topics, user data; partitions per topic). Java reads v0 and writes v1-v3,
 * which only append fields (owned partitions, generation, rack), so kafkajs' v0 decoder reads them.
 */
const PROTOCOL_VERSION = 0;

interface MemberInfo {
  memberId: string;
  groupInstanceId?: string | null;
  topics: string[];
}

/** Java's MemberInfo order: static members (group.instance.id) first, by instance id, then by member id. */
function compareMembers(a: MemberInfo, b: MemberInfo): number {
  const ai = a.groupInstanceId ?? undefined;
  const bi = b.groupInstanceId ?? undefined;
  if (ai !== undefined && bi !== undefined) return ai < bi ? -1 : ai > bi ? 1 : 0;
  if (ai !== undefined) return -1;
  if (bi !== undefined) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function decodeMembers(members: GroupMember[]): MemberInfo[] {
  return members.map((member) => {
    const { topics } = AssignerProtocol.MemberMetadata.decode(member.memberMetadata) ?? { topics: [] };
    const instance = (member as GroupMember & { groupInstanceId?: string | null }).groupInstanceId;
    return { memberId: member.memberId, groupInstanceId: instance, topics };
  });
}

export type PartitionCounts = Map<string, number>;
export type Assignment = Map<string, Map<string, number[]>>;

/** Java's RangeAssignor: per topic, members in order get consecutive ranges, the first ones one extra. */
export function rangeAssignment(members: MemberInfo[], partitions: PartitionCounts): Assignment {
  const result: Assignment = new Map(members.map((m) => [m.memberId, new Map()]));
  for (const [topic, count] of [...partitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const subscribed = members.filter((m) => m.topics.includes(topic)).sort(compareMembers);
    if (subscribed.length === 0) continue;
    const per = Math.floor(count / subscribed.length);
    const extra = count % subscribed.length;
    subscribed.forEach((member, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      if (length > 0) result.get(member.memberId)?.set(topic, Array.from({ length }, (_, k) => start + k));
    });
  }
  return result;
}

/** Java's RoundRobinAssignor: all partitions, sorted by topic then partition, dealt to members in order. */
export function roundRobinAssignment(members: MemberInfo[], partitions: PartitionCounts): Assignment {
  const result: Assignment = new Map(members.map((m) => [m.memberId, new Map()]));
  const sorted = [...members].sort(compareMembers);
  if (sorted.length === 0) return result;
  let next = 0;
  for (const [topic, count] of [...partitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (let partition = 0; partition < count; partition++) {
      // Skip members not subscribed to this topic, as the Java assignor's circular iterator does.
      for (let tries = 0; tries < sorted.length; tries++) {
        const member = sorted[next % sorted.length] as MemberInfo;
        next++;
        if (!member.topics.includes(topic)) continue;
        const owned = result.get(member.memberId) as Map<string, number[]>;
        const list = owned.get(topic) ?? [];
        list.push(partition);
        owned.set(topic, list);
        break;
      }
    }
  }
  return result;
}

type Algorithm = (members: MemberInfo[], partitions: PartitionCounts) => Assignment;

function javaAssigner(name: 'range' | 'roundrobin', algorithm: Algorithm): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name,
    version: PROTOCOL_VERSION,
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version: PROTOCOL_VERSION, topics, userData: Buffer.alloc(0) }) };
    },
    async assign({ members }): Promise<GroupMemberAssignment[]> {
      const infos = decodeMembers(members);
      // Other members (Java services) may subscribe to topics this member does not read: the
      // leader assigns those too, so it loads their metadata first.
      const topics = [...new Set(infos.flatMap((m) => m.topics))];
      const unknown = topics.filter((t) => cluster.findTopicPartitionMetadata(t).length === 0);
      if (unknown.length > 0) await cluster.addMultipleTargetTopics(unknown);
      const counts: PartitionCounts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]));
      const assignment = algorithm(infos, counts);
      return infos.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: PROTOCOL_VERSION,
          assignment: Object.fromEntries(assignment.get(memberId) ?? []),
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}

/** The kafkajs `partitionAssigners` for the given protocol names, in preference order. */
export function partitionAssigners(names: readonly AssignorName[]): PartitionAssigner[] {
  return names.map((name) => {
    if (name === 'range') return javaAssigner('range', rangeAssignment);
    if (name === 'roundrobin') return javaAssigner('roundrobin', roundRobinAssignment);
    return PartitionAssigners.roundRobin;
  });
}

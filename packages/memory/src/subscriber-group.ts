import { runSoon } from './microtask.js';
import type { DeliverFn, Logger } from '@switchboard/core';
import type { Clock } from './clock.js';
import { GroupMember, type DeliveryKind } from './group-member.js';
import { PendingQueue } from './pending-queue.js';
import type { StoredMessage } from './stored-message.js';

/** What a group needs from its channel. */
export interface GroupHost {
  readonly clock: Clock;
  readonly logger: Logger;
  /** True while the channel's messages are delivered to several groups close behind each other (read once per hand-over pass). */
  readonly fanout: boolean;
  /** A message with a finite expiry entered a queue: make sure a sweep runs by then. */
  watchExpiry(expiresAt: number): void;
  /** Puts `message` back into `group` after `delayMs` (core's retry backoff). */
  scheduleRetry(group: SubscriberGroup, message: StoredMessage, delayMs: number): void;
}

/**
 * A subscriber group: its own queue of waiting messages (kept while nobody is subscribed, like a
 * durable queue or a committed offset) and the members competing for it.
 */
export class SubscriberGroup {
  readonly queue = new PendingQueue();
  /**
   * Ordered groups only: which member holds a key in flight. The next message with that key goes
   * to the same member (or waits for it), so key order holds across competing members.
   */
  keyOwners: Map<string, GroupMember> | undefined;
  private members: GroupMember[] = [];
  private cursor = 0;
  private scheduled = false;
  private readonly pumpNow = (): void => this.pump();

  constructor(
    readonly name: string,
    readonly host: GroupHost,
  ) {}

  /** Members not stopped. */
  get activeMembers(): number {
    let n = 0;
    for (const member of this.members) if (member.active) n++;
    return n;
  }

  join(deliver: DeliverFn, limit: number, kind: DeliveryKind, orderedByKey: boolean): GroupMember {
    if (orderedByKey) this.keyOwners ??= new Map();
    const member = new GroupMember(this, deliver, limit, kind);
    this.members.push(member);
    this.schedulePump();
    return member;
  }

  removeMember(member: GroupMember): void {
    this.members = this.members.filter((m) => m !== member);
  }

  enqueue(message: StoredMessage): void {
    this.queue.push(message);
    if (message.expiresAt !== Infinity) this.host.watchExpiry(message.expiresAt);
    if (this.members.length !== 0) this.schedulePump();
  }

  requeue(message: StoredMessage): void {
    this.queue.unshift(message);
  }

  /** Hand-over runs in a microtask: a publish batch or a burst of acks costs one pass. */
  schedulePump(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    runSoon(this.pumpNow);
  }

  private pump(): void {
    this.scheduled = false;
    if (this.queue.size === 0) return;
    const now = this.host.clock.now();
    const shared = this.host.fanout;
    for (;;) {
      let member = this.nextReady();
      if (member === undefined) return;
      const message = this.queue.shift();
      if (message === undefined) return;
      if (message.expiresAt <= now || message.request?.settled === true) continue;
      const key = message.wire.key;
      if (key !== undefined && this.keyOwners !== undefined) {
        const owner = this.keyOwners.get(key);
        if (owner !== undefined && owner !== member) {
          // Head-of-line wait: handing it elsewhere could run it before its predecessor.
          if (!owner.ready) {
            this.queue.unshift(message);
            return;
          }
          member = owner;
        }
      }
      member.hand(message, shared);
    }
  }

  /** Round-robin over members with room. */
  private nextReady(): GroupMember | undefined {
    const members = this.members;
    const n = members.length;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const member = members[index] as GroupMember;
      if (member.ready) {
        this.cursor = (index + 1) % n;
        return member;
      }
    }
    return undefined;
  }
}

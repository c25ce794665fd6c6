import { HEADERS, NoResponderError, type DeliverFn, type Delivery, type Logger, type WireMessage } from '@switchboard/core';
import { ChannelLog } from './channel-log.js';
import type { Clock } from './clock.js';
import { PendingRequest } from './pending-request.js';
import { ReplayReader } from './replay-reader.js';
import { StoredMessage } from './stored-message.js';
import { SubscriberGroup, type GroupHost } from './subscriber-group.js';

/** Most messages any group may have waiting for deliveries to share core's decode (see MemoryChannel.fanout). */
const SHARED_DECODE_BACKLOG = 4096;

/** What a channel needs from its broker. */
export interface ChannelHost {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Holds `message` until `dueAt`, then appends it to `channel` (or enqueues it to `group` only). */
  schedule(dueAt: number, channel: MemoryChannel, group: SubscriberGroup | undefined, message: StoredMessage): void;
}

/**
 * One channel: the retained log replay reads, one queue per subscriber group (fanout), the
 * responders' queue for request/reply, and a sweep timer that drops expired messages.
 */
export class MemoryChannel implements GroupHost {
  readonly log: ChannelLog;
  private readonly groups = new Map<string, SubscriberGroup>();
  /** Same as `groups`, as an array: publish walks it for every message. */
  private groupList: SubscriberGroup[] = [];
  private readonly readers = new Set<ReplayReader>();
  readonly responders: SubscriberGroup;
  private sweepAt = Infinity;
  private sweepTimer: unknown;
  private readonly sweepNow = (): void => this.sweep();

  constructor(
    readonly name: string,
    retention: number,
    private readonly host: ChannelHost,
  ) {
    this.log = new ChannelLog(retention);
    this.responders = new SubscriberGroup('(responders)', this);
  }

  /**
   * True while deliveries should offer core the shared decode slot: the channel has several groups
   * and none has more than {@link SHARED_DECODE_BACKLOG} messages waiting. A decode kept on a stored
   * message lives as long as a group still holds it, so a slow group's backlog would hold a decoded
   * copy (~400 B) of every message it waits for; past that bound each group decodes for itself.
   */
  get fanout(): boolean {
    const groups = this.groupList;
    if (groups.length < 2) return false;
    for (let i = 0; i < groups.length; i++) if ((groups[i] as SubscriberGroup).queue.size > SHARED_DECODE_BACKLOG) return false;
    return true;
  }

  get clock(): Clock {
    return this.host.clock;
  }

  get logger(): Logger {
    return this.host.logger;
  }

  /** The group, created empty (starting at the log end) when it does not exist yet. */
  group(name: string): SubscriberGroup {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new SubscriberGroup(name, this);
      this.groups.set(name, group);
      this.groupList = [...this.groupList, group];
    }
    return group;
  }

  publish(messages: readonly WireMessage[]): void {
    const now = this.host.clock.now();
    for (const published of messages) {
      const wire = published.headers[HEADERS.attempt] === undefined ? published : withoutAttempt(published);
      const delay = wire.delayMs ?? 0;
      const expiresAt = wire.ttlMs === undefined ? Infinity : now + delay + wire.ttlMs;
      const message = new StoredMessage(wire, -1, now + delay, expiresAt, false, undefined);
      if (delay > 0) this.host.schedule(now + delay, this, undefined, message);
      else this.append(message);
    }
    if (this.readers.size !== 0) for (const reader of this.readers) reader.schedulePump();
  }

  /** Makes a message visible: log first (gives it its position), then every group's queue. */
  append(message: StoredMessage): void {
    this.log.append(message);
    const groups = this.groupList;
    for (let i = 0; i < groups.length; i++) (groups[i] as SubscriberGroup).enqueue(message);
  }

  /** Delayed message became due. */
  appendDue(message: StoredMessage): void {
    this.append(message);
    for (const reader of this.readers) reader.schedulePump();
  }

  scheduleRetry(group: SubscriberGroup, message: StoredMessage, delayMs: number): void {
    if (delayMs <= 0) group.enqueue(message);
    else this.host.schedule(this.host.clock.now() + delayMs, this, group, message);
  }

  openReader(fromSeq: number, deliver: DeliverFn, limit: number): ReplayReader {
    const reader = new ReplayReader(this.log, fromSeq, deliver, limit, this.host.clock);
    this.readers.add(reader);
    reader.schedulePump();
    return reader;
  }

  closeReader(reader: ReplayReader): void {
    reader.stop();
    this.readers.delete(reader);
  }

  /** Sends a request to the competing responders; rejects at once when there are none. */
  request(wire: WireMessage, timeoutMs: number, track: Set<PendingRequest>): Promise<Delivery> {
    if (this.responders.activeMembers === 0) {
      return Promise.reject(new NoResponderError(`No responder on channel "${this.name}": call channel.respond() first`));
    }
    return new Promise<Delivery>((resolve, reject) => {
      const pending = new PendingRequest(this.host.clock, resolve, reject, (p) => track.delete(p));
      track.add(pending);
      const now = this.host.clock.now();
      pending.startTimer(timeoutMs, this.name);
      // The deadline doubles as TTL: a request nobody picked up in time is never served late.
      this.responders.enqueue(new StoredMessage(wire, -1, now, now + timeoutMs, false, pending));
    });
  }

  watchExpiry(expiresAt: number): void {
    if (expiresAt >= this.sweepAt) return;
    if (this.sweepTimer !== undefined) this.host.clock.clearTimeout(this.sweepTimer);
    this.sweepAt = expiresAt;
    this.sweepTimer = this.host.clock.setTimeout(this.sweepNow, Math.max(0, expiresAt - this.host.clock.now()));
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    const now = this.host.clock.now();
    let next = this.responders.queue.dropExpiredHeads(now);
    for (const group of this.groupList) next = Math.min(next, group.queue.dropExpiredHeads(now));
    if (next !== Infinity) this.watchExpiry(next);
  }

  /** Stops timers; the broker is going away. */
  dispose(): void {
    if (this.sweepTimer !== undefined) this.host.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const reader of this.readers) reader.stop();
    this.readers.clear();
  }
}

/**
 * Core trusts the attempt header on deliveries that offer retryLater, which group deliveries here
 * do; retries never come through publish, so a published one is dropped (SPI contract).
 */
function withoutAttempt(wire: WireMessage): WireMessage {
  const { [HEADERS.attempt]: _dropped, ...headers } = wire.headers;
  return { ...wire, headers };
}

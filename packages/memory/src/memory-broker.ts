import type { Logger } from '@switchboard/core';
import type { Clock } from './clock.js';
import { MemoryChannel, type ChannelHost } from './memory-channel.js';
import type { StoredMessage } from './stored-message.js';
import type { SubscriberGroup } from './subscriber-group.js';
import { TimerQueue, type TimedEntry } from './timer-queue.js';

interface DueEntry extends TimedEntry {
  channel: MemoryChannel;
  /** Set for a retry (back to one group); unset for a delayed publish (to the whole channel). */
  group: SubscriberGroup | undefined;
  message: StoredMessage;
}

/**
 * The in-process broker: channels by name and one timer queue for every delayed publish and
 * retry. Buses share it through the registry (same `memory://name`) or own it alone.
 */
export class MemoryBroker implements ChannelHost {
  private readonly channels = new Map<string, MemoryChannel>();
  private readonly due: TimerQueue<DueEntry>;

  constructor(
    readonly name: string,
    /** Default retained messages per channel. */
    readonly retention: number,
    readonly clock: Clock,
    readonly logger: Logger,
  ) {
    this.due = new TimerQueue<DueEntry>(clock, (entry) => {
      if (entry.group === undefined) entry.channel.appendDue(entry.message);
      else entry.group.enqueue(entry.message);
    });
  }

  /**
   * The channel, created on first use. History is kept only for channels declared with replay
   * (`retention` given): retaining every channel's last messages cost half the throughput of a
   * plain channel, for history nobody reads. A later declaration can raise it, never lower it.
   */
  channel(name: string, retention?: number): MemoryChannel {
    let channel = this.channels.get(name);
    if (channel === undefined) {
      channel = new MemoryChannel(name, retention ?? 0, this);
      this.channels.set(name, channel);
    } else if (retention !== undefined) channel.log.retainAtLeast(retention);
    return channel;
  }

  schedule(dueAt: number, channel: MemoryChannel, group: SubscriberGroup | undefined, message: StoredMessage): void {
    this.due.add({ dueAt, order: this.due.nextOrder(), channel, group, message });
  }

  /** Cancels every timer and drops all messages. */
  dispose(): void {
    this.due.clear();
    for (const channel of this.channels.values()) channel.dispose();
    this.channels.clear();
  }
}

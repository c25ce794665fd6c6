import { Deque } from './deque.js';
import type { StoredMessage } from './stored-message.js';

/**
 * A channel's retained history: the last `retention` messages, oldest dropped first. Sequence
 * numbers never repeat, so a position stays meaningful after the message left retention.
 */
export class ChannelLog {
  private readonly entries = new Deque<StoredMessage>();
  /** Sequence number of the oldest retained message. */
  private first = 0;
  private next = 0;
  private lastAt = -Infinity;

  constructor(private retention: number) {}

  /** Keeps at least `retention` messages from now on (a bus declared replay on a channel that had none). */
  retainAtLeast(retention: number): void {
    if (retention > this.retention) this.retention = retention;
  }

  get firstSeq(): number {
    return this.first;
  }

  get nextSeq(): number {
    return this.next;
  }

  /** Numbers the message, keeps log time monotonic, and evicts beyond retention. */
  append(message: StoredMessage): void {
    message.seq = this.next++;
    // Timestamp replay binary-searches log time; a clock stepping back must not break that.
    if (message.at < this.lastAt) message.at = this.lastAt;
    this.lastAt = message.at;
    // Nothing to keep on a channel nobody replays: the message only gets its position.
    if (this.retention === 0 && this.entries.length === 0) {
      this.first = this.next;
      return;
    }
    this.entries.push(message);
    while (this.entries.length > this.retention) {
      this.entries.shift();
      this.first++;
    }
  }

  get(seq: number): StoredMessage | undefined {
    return this.entries.at(seq - this.first);
  }

  /** First retained sequence number whose log time is at or after `time` (nextSeq when none). */
  seqAtOrAfter(time: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries.at(mid) as StoredMessage).at < time) lo = mid + 1;
      else hi = mid;
    }
    return this.first + lo;
  }
}

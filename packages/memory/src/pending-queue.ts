import { Deque } from './deque.js';
import type { StoredMessage } from './stored-message.js';

/**
 * A subscriber group's waiting messages: one FIFO per priority level, highest level first.
 * Messages without priority all sit in level 0, so a channel that never declared priority is
 * plain FIFO. Entries are pointers to shared {@link StoredMessage}s: no per-message closures.
 */
export class PendingQueue {
  private readonly levels: (Deque<StoredMessage> | undefined)[] = [new Deque()];
  /** Highest level that may be non-empty. */
  private top = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(message: StoredMessage): void {
    this.level(message.priority).push(message);
    this.count++;
  }

  /** Back to the front of its level: a message a closed consumer never acked goes first again. */
  unshift(message: StoredMessage): void {
    this.level(message.priority).unshift(message);
    this.count++;
  }

  shift(): StoredMessage | undefined {
    if (this.count === 0) return undefined;
    for (;;) {
      const level = this.levels[this.top];
      if (level !== undefined && level.length > 0) {
        this.count--;
        return level.shift();
      }
      this.top--;
    }
  }

  /**
   * Drops expired messages from the head of every level (RabbitMQ's rule: an expired message
   * behind a live one goes when it reaches the head; it is never delivered either way).
   * Returns the earliest finite expiry now at a head, to time the next sweep.
   */
  dropExpiredHeads(now: number): number {
    let next = Infinity;
    for (const level of this.levels) {
      if (level === undefined) continue;
      let head = level.peek();
      while (head !== undefined && head.expiresAt <= now) {
        level.shift();
        this.count--;
        head = level.peek();
      }
      if (head !== undefined && head.expiresAt < next) next = head.expiresAt;
    }
    return next;
  }

  private level(priority: number): Deque<StoredMessage> {
    let level = this.levels[priority];
    if (level === undefined) {
      level = new Deque();
      this.levels[priority] = level;
    }
    if (priority > this.top) this.top = priority;
    return level;
  }
}

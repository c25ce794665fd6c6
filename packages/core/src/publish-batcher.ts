import type { WireMessage } from './spi.js';

const MAX_BATCH_MESSAGES = 1000;
// Stays under Kafka's default 1 MiB request limit and keeps a confirm round trip short.
const MAX_BATCH_BYTES = 512 * 1024;

interface Pending {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Collects publishes made in the same tick into one `backend.publish` call, so pipelined
 * publishing costs one broker round trip per batch instead of one per message. A lone publish
 * goes out at the end of the current microtask queue: no timer, no added latency.
 */
export class PublishBatcher {
  private messages: WireMessage[] = [];
  private pending: Pending[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly send: (messages: WireMessage[]) => Promise<void>) {}

  add(message: WireMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.messages.push(message);
      this.pending.push({ resolve, reject });
      this.bytes += message.body.length;
      if (this.messages.length >= MAX_BATCH_MESSAGES || this.bytes >= MAX_BATCH_BYTES) {
        this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.messages.length === 0) return;
    const pending = this.pending;
    const messages = this.messages;
    this.messages = [];
    this.pending = [];
    this.bytes = 0;
    this.send(messages).then(
      () => {
        for (const p of pending) p.resolve();
      },
      (error: unknown) => {
        for (const p of pending) p.reject(error);
      },
    );
  }
}

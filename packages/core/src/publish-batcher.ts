import type { WireMessage } from './spi.js';

const MAX_BATCH_MESSAGES = 1000;
// Stays under Kafka's default 1 MiB request limit and keeps a confirm round trip short.
const MAX_BATCH_BYTES = 512 * 1024;

interface Batch {
  messages: WireMessage[];
  bytes: number;
  /** One promise for every publish in the batch: they succeed or fail together anyway. */
  done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Collects publishes made in the same tick into one `backend.publish` call, so pipelined
 * publishing costs one broker round trip per batch instead of one per message. A lone publish
 * goes out at the end of the current microtask queue: no timer, no added latency.
 */
export class PublishBatcher {
  private batch: Batch | undefined;

  constructor(private readonly send: (messages: WireMessage[]) => Promise<void>) {}

  add(message: WireMessage): Promise<void> {
    let batch = this.batch;
    if (batch === undefined) {
      batch = this.open();
      queueMicrotask(() => this.flush(batch as Batch));
    }
    batch.messages.push(message);
    batch.bytes += message.body.length;
    if (batch.messages.length >= MAX_BATCH_MESSAGES || batch.bytes >= MAX_BATCH_BYTES) this.flush(batch);
    return batch.done;
  }

  private open(): Batch {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.batch = { messages: [], bytes: 0, done, resolve, reject };
    return this.batch;
  }

  private flush(batch: Batch): void {
    if (this.batch !== batch) return;
    this.batch = undefined;
    this.send(batch.messages).then(batch.resolve, batch.reject);
  }
}

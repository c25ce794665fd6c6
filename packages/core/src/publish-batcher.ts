import { withDeadline } from './deadline.js';
import { TimeoutError } from './errors.js';
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
 *
 * Every batch has a deadline (`publishTimeoutMs`, from the flush to the broker's confirm) and
 * whatever the backend does — reject, throw synchronously, never settle — only ever settles the
 * promises of that batch: nothing escapes into a microtask where it would crash the process.
 */
export class PublishBatcher {
  private batch: Batch | undefined;
  /** Batches sent and not settled, plus first publishes waiting for the channel's topology. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly send: (messages: WireMessage[]) => Promise<void>,
    private readonly timeoutMs: number,
    private readonly channel: string,
  ) {}

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

  /** Adds `message` once `ready` resolves; the wait counts against the publish deadline. */
  afterReady(ready: Promise<void>, message: WireMessage): Promise<void> {
    const waited = withDeadline(ready, this.timeoutMs, () => this.timeout()).then(() => this.add(message));
    this.track(waited);
    return waited;
  }

  /** Resolves once every publish issued so far has settled, successfully or not. */
  async idle(): Promise<void> {
    if (this.batch !== undefined) this.flush(this.batch);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
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
    let sent: Promise<void>;
    try {
      sent = this.send(batch.messages);
    } catch (error) {
      sent = Promise.reject(error);
    }
    const settled = withDeadline(sent, this.timeoutMs, () => this.timeout());
    settled.then(batch.resolve, batch.reject);
    this.track(settled);
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    const forget = (): void => void this.inFlight.delete(work);
    work.then(forget, forget);
  }

  private timeout(): TimeoutError {
    return new TimeoutError(
      `Publish on channel "${this.channel}" was not confirmed within ${this.timeoutMs} ms (publishTimeoutMs): the broker is ` +
        'unreachable, stalled or blocked. The message may still arrive; publishing it again with the same id is safe for consumers that deduplicate',
    );
  }
}

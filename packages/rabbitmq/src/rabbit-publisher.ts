import type { ConfirmChannel } from 'amqplib';
import { ConnectionError, MessageTooLargeError, type Logger } from '@switchboard/core';
import type { RabbitConnection } from './rabbit-connection.js';
import { translateRabbitError } from './rabbit-errors.js';
import type { PublishPlan } from './wire-properties.js';
import { waitForDrain } from './drain-wait.js';

/** Where one message goes: exchange + routing key + its AMQP form. */
export interface Outgoing {
  exchange: string;
  routingKey: string;
  plan: PublishPlan;
  /** Channel name, for error messages. */
  channel: string;
}

interface ChannelWatch {
  /** Set once the channel closed: the server's error, or a ConnectionError. */
  closed: unknown;
  error: unknown;
  /** Writers paused on a full buffer, woken by 'drain' or 'close'. */
  waiters: Set<() => void>;
}

/** amqplib encodes the header table into a 64 KiB scratch buffer; leave room for the other properties. */
const HEADER_TABLE_LIMIT = 64 * 1024 - 1024;

function headerTableBytes(headers: Record<string, unknown> | undefined): number {
  let size = 4;
  for (const name in headers) {
    const value = headers[name];
    size += 2 + Buffer.byteLength(name) + 8 + (typeof value === 'string' ? Buffer.byteLength(value) + 4 : 0);
  }
  return size;
}

// Referenced: a publish waiting to be re-sent keeps the process alive until it is confirmed or times out.
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Refuses headers that cannot fit AMQP's header table (amqplib would fail the whole write). */
export function checkHeaderTable(headers: Record<string, unknown> | undefined, channel: string): void {
  // Hot path: a UTF-16 unit is at most 3 UTF-8 bytes, so counting exactly is only needed near the limit.
  let bound = 4;
  for (const name in headers) {
    const value = headers[name];
    bound += 14 + 3 * (name.length + (typeof value === 'string' ? value.length : 0));
  }
  if (bound <= HEADER_TABLE_LIMIT) return;
  const bytes = headerTableBytes(headers);
  if (bytes > HEADER_TABLE_LIMIT) {
    throw new MessageTooLargeError(
      `Message headers of ${bytes} bytes on channel "${channel}" exceed the ${HEADER_TABLE_LIMIT}-byte AMQP header limit; move large values from headers into the body`,
      bytes,
      HEADER_TABLE_LIMIT,
    );
  }
}

/**
 * Publishes with publisher confirms, pipelined: the whole batch is written (pausing on 'drain'
 * when amqplib's buffer is full), then every confirm is awaited. Messages whose confirm did not
 * arrive because the connection dropped, or that the broker nacked, are sent again once the
 * connection is back, until `operationTimeoutMs`: a resolved publish means every message is
 * stored (at least once), a rejected one names why.
 */
export class RabbitPublisher {
  private readonly watches = new WeakMap<ConfirmChannel, ChannelWatch>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async publish(messages: Outgoing[]): Promise<void> {
    for (const message of messages) checkHeaderTable(message.plan.options.headers as Record<string, unknown> | undefined, message.channel);
    const deadline = Date.now() + this.timeoutMs;
    let pending = messages;
    for (let round = 0; ; round++) {
      await this.connection.whileBlocked(deadline);
      let failure: unknown;
      try {
        const channel = await this.connection.confirmChannel(deadline);
        const failed = await this.sendAll(channel, pending, deadline);
        if (failed.messages.length === 0) return;
        pending = failed.messages;
        failure = failed.error;
        // Nacked on a channel that stays open: re-send on a new one (see discardConfirmChannel).
        if (failed.nacked) this.connection.discardConfirmChannel(channel);
      } catch (error) {
        failure = error;
      }
      const translated = translateRabbitError(failure, { endpoint: this.connection.endpoint, operation: `publishing to channel "${pending[0]?.channel}"` });
      if (!translated.retriable) throw translated;
      if (Date.now() >= deadline) {
        const blocked = this.connection.blocked;
        const why = blocked !== undefined ? `RabbitMQ blocks publishers (${blocked}): free memory or disk on the broker` : translated.message;
        throw new ConnectionError(
          `${pending.length} message(s) on channel "${pending[0]?.channel}" were not confirmed within operationTimeoutMs (${this.timeoutMs} ms): ${why}`,
          { cause: translated },
        );
      }
      this.logger.debug('switchboard: re-sending unconfirmed messages', { count: pending.length, round, error: translated.message });
      await pause(Math.min(50 * 2 ** round, 1_000));
    }
  }

  /** One 'error' and one 'close' listener per channel, however many batches are in flight on it. */
  private watch(channel: ConfirmChannel): ChannelWatch {
    let watch = this.watches.get(channel);
    if (watch === undefined) {
      const created: ChannelWatch = { closed: undefined, error: undefined, waiters: new Set() };
      // The server's reason (e.g. 406 message size) arrives as 'error'; confirm callbacks only see "channel closed".
      channel.on('error', (error: unknown) => {
        created.error ??= error;
      });
      channel.on('close', () => {
        created.closed = created.error ?? new ConnectionError('the publishing channel closed');
        for (const wake of created.waiters) wake();
      });
      channel.on('drain', () => {
        for (const wake of created.waiters) wake();
      });
      this.watches.set(channel, created);
      watch = created;
    }
    return watch;
  }

  /** Writes every message, then waits for their confirms. Returns those that failed. */
  private async sendAll(channel: ConfirmChannel, messages: Outgoing[], deadline: number): Promise<{ messages: Outgoing[]; error?: unknown; nacked?: boolean }> {
    const watch = this.watch(channel);
    const failed: Outgoing[] = [];
    let firstError: unknown;
    const confirms: Promise<void>[] = [];
    let nacked = false;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as Outgoing;
      if (watch.closed !== undefined) {
        failed.push(...messages.slice(i));
        firstError ??= watch.closed;
        break;
      }
      let ok = true;
      confirms.push(
        new Promise<void>((resolve) => {
          try {
            ok = channel.publish(message.exchange, message.routingKey, message.plan.content, message.plan.options, (error: unknown) => {
              if (error !== null && error !== undefined) {
                failed.push(message);
                // amqplib reports a nack and a closed channel alike; only the channel's state tells them apart.
                if (watch.closed === undefined) nacked = true;
                firstError ??= watch.closed ?? new ConnectionError('RabbitMQ nacked the message (a queue could not store it)');
              }
              resolve();
            });
          } catch (error) {
            // amqplib throws synchronously on a closed channel or an unencodable header table.
            if (error instanceof RangeError) throw translateRabbitError(error, { endpoint: this.connection.endpoint, operation: `publishing to channel "${message.channel}"` });
            failed.push(message);
            firstError ??= error;
            resolve();
          }
        }),
      );
      if (!ok) await waitForDrain(watch.waiters, deadline);
    }
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(confirms).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, left)))),
    ]);
    clearTimeout(timer);
    if (timedOut) return { messages, error: new ConnectionError('no publisher confirm arrived') };
    const error = watch.error ?? firstError;
    const outcome: { messages: Outgoing[]; error?: unknown; nacked?: boolean } = { messages: failed };
    if (error !== undefined) outcome.error = error;
    if (nacked && watch.closed === undefined) outcome.nacked = true;
    return outcome;
  }
}

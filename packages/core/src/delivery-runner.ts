import type { RetryPolicy } from './config.js';
import { decodeMessage, encodeMessage, HEADERS } from './envelope.js';
import { SwitchboardError } from './errors.js';
import type { Logger } from './logger.js';
import { backoffDelay, sleep } from './retry.js';
import type { Delivery, WireMessage } from './spi.js';
import type { Message } from './types.js';
import { validatePayload, type SafeParser } from './validation.js';
import type { DeliveryWatch, SubscriptionTelemetry } from './telemetry/delivery-telemetry.js';

/** Everything the runner needs to handle one delivery of one subscription. */
export interface RunnerContext {
  channel: string;
  /** Subscriber group, absent for replay and respond. */
  group?: string;
  prefix: string;
  schema?: SafeParser;
  retry: RetryPolicy;
  logger: Logger;
  /** Aborted when the subscription closes: pending in-process retries give the message back. */
  signal: AbortSignal;
  deadLetter(dead: WireMessage): Promise<void>;
  /** Spans and metrics per delivery; absent while OpenTelemetry is off (the runner then does nothing extra). */
  telemetry?: SubscriptionTelemetry;
}

function errorText(error: unknown): { message: string; code: string } {
  if (error instanceof Error) return { message: error.message, code: SwitchboardError.is(error) ? error.code : error.name };
  return { message: String(error), code: 'Error' };
}

/** The dead letter: same body, key and id, original headers plus why it died. */
export function deadLetterOf(delivery: Delivery, error: unknown, attempts: number, ctx: RunnerContext): WireMessage {
  const { message, code } = errorText(error);
  const headers: Record<string, string> = { ...delivery.headers };
  delete headers[HEADERS.attempt];
  headers[HEADERS.deadError] = message.slice(0, 4096);
  headers[HEADERS.deadErrorCode] = code;
  headers[HEADERS.deadAttempts] = String(attempts);
  headers[HEADERS.deadChannel] = ctx.channel;
  if (ctx.group !== undefined) headers[HEADERS.deadGroup] = ctx.group;
  headers[HEADERS.deadTime] = new Date().toISOString();
  const dead: WireMessage = { body: delivery.body, headers, id: delivery.id, timestamp: delivery.timestamp };
  if (delivery.key !== undefined) dead.key = delivery.key;
  return dead;
}

/**
 * The smallest dead letter that still says why: the original body and envelope, the reason cut
 * short, and none of the original application headers (they are what made the full one too
 * large). Sent when the broker refused the full dead letter permanently.
 */
export function reducedDeadLetterOf(full: WireMessage): WireMessage {
  const headers: Record<string, string> = {};
  for (const name in full.headers) {
    const value = full.headers[name] as string;
    if (name.startsWith('sb-dead-') || name === 'content-type' || /(^ce_|^cloudEvents[:_])(id|specversion|source|type|time)$/.test(name)) {
      headers[name] = name === HEADERS.deadError ? value.slice(0, 256) : value;
    }
  }
  headers[HEADERS.deadHeadersDropped] = 'true';
  return { ...full, headers };
}

function retriable(error: unknown): boolean {
  return !SwitchboardError.is(error) || error.retriable;
}

/**
 * Publishes a dead letter so that nothing is held silently: a retriable failure (broker away) is
 * retried with backoff for as long as the subscription is open, holding only this message's slot;
 * a permanent refusal (too large, invalid) falls back to the reduced dead letter, and when even
 * that is refused the message is acked and the loss is logged at error level with its id and why.
 * Returns once the message is settled, or unsettled when the subscription is closing (the broker
 * then delivers it again).
 */
async function publishDeadLetter(ctx: RunnerContext, delivery: Delivery, dead: WireMessage): Promise<void> {
  let letter = dead;
  for (let attempt = 1; !ctx.signal.aborted; attempt++) {
    try {
      await ctx.deadLetter(letter);
      delivery.ack();
      return;
    } catch (error) {
      const fields = { channel: ctx.channel, group: ctx.group, id: delivery.id, error: errorText(error).message };
      if (!retriable(error)) {
        if (letter === dead) {
          ctx.logger.warn('switchboard: the broker refused the dead letter; sending it without the original headers', fields);
          letter = reducedDeadLetterOf(dead);
          continue;
        }
        ctx.logger.error(`switchboard: dropped a message that cannot be dead-lettered: the broker refused even the reduced dead letter to ${ctx.channel}.dead; it is acked so the channel keeps moving`, fields);
        delivery.ack();
        return;
      }
      const delay = backoffDelay(ctx.retry, attempt);
      ctx.logger.warn(`switchboard: could not publish a dead letter to ${ctx.channel}.dead (attempt ${attempt}); the message waits and is tried again in ${delay} ms`, fields);
      if (!(await sleep(delay, ctx.signal))) return;
    }
  }
}

/**
 * Handles one delivery with the shared semantics: decode + validate (invalid → dead letter),
 * run the handler, ack on success, back off and retry on failure, dead-letter after
 * `maxAttempts`. Never throws, and never leaves a message unsettled while the subscription is
 * open; on close, what has not finished stays unsettled so the broker delivers it again.
 */
export function createDeliveryRunner(ctx: RunnerContext, handler: (message: Message) => unknown): (delivery: Delivery) => Promise<void> {
  const deadLetter = (delivery: Delivery, error: unknown, attempts: number, watch: DeliveryWatch | undefined): Promise<void> => {
    if (ctx.signal.aborted) return Promise.resolve();
    const publish = (): Promise<void> => publishDeadLetter(ctx, delivery, deadLetterOf(delivery, error, attempts, ctx));
    return watch === undefined ? publish() : watch.deadLetter(attempts, publish);
  };

  return async (delivery) => {
    let attempt = 1;
    const watch = ctx.telemetry?.received(delivery);
    try {
      let message: Message | undefined;
      try {
        message = decodeMessage(delivery, ctx.prefix);
        attempt = Math.min(message.attempt, ctx.retry.maxAttempts);
        if (ctx.schema !== undefined) message.payload = validatePayload(ctx.schema, message.payload, ctx.channel, 'received');
      } catch (error) {
        watch?.invalid(message, error);
        await deadLetter(delivery, error, attempt, watch);
        return;
      }
      for (;;) {
        try {
          message.attempt = attempt;
          await (watch === undefined ? handler(message) : watch.run(message, handler));
          // Past the drain timeout the broker already took the message back: acking now could settle another delivery.
          if (!ctx.signal.aborted) delivery.ack();
          return;
        } catch (error) {
          if (attempt >= ctx.retry.maxAttempts) {
            await deadLetter(delivery, error, attempt, watch);
            return;
          }
          const delay = backoffDelay(ctx.retry, attempt);
          watch?.retrying(delay, attempt);
          if (delivery.retryLater !== undefined && (await retryLater(ctx, delivery, delay, attempt))) return;
          // Closing: leave the message unsettled so the broker gives it to another consumer.
          if (!(await sleep(delay, ctx.signal))) return;
          attempt++;
        }
      }
    } catch (error) {
      ctx.logger.error('switchboard: unexpected failure while settling a message; it stays unsettled until the subscription closes, then the broker delivers it again', {
        channel: ctx.channel,
        group: ctx.group,
        id: delivery.id,
        error: errorText(error).message,
      });
    } finally {
      watch?.end();
    }
  };
}

/** Hands the retry to the broker; false when that failed and the retry is done in-process instead. */
async function retryLater(ctx: RunnerContext, delivery: Delivery, delay: number, attempt: number): Promise<boolean> {
  try {
    await delivery.retryLater?.(delay, { ...delivery.headers, [HEADERS.attempt]: String(attempt + 1) });
    return true;
  } catch (error) {
    ctx.logger.warn('switchboard: could not schedule a retry on the broker; retrying in-process instead', {
      channel: ctx.channel,
      group: ctx.group,
      id: delivery.id,
      error: errorText(error).message,
    });
    return false;
  }
}

/** Serves one request: the handler's result (or its error) becomes the reply. */
export function createResponderRunner(
  ctx: RunnerContext,
  handler: (message: Message) => unknown,
  source: string,
  replySchema: SafeParser | undefined,
): (delivery: Delivery) => Promise<void> {
  return async (delivery) => {
    let reply: WireMessage;
    const watch = ctx.telemetry?.received(delivery);
    try {
      const message = decodeMessage(delivery, ctx.prefix);
      if (ctx.schema !== undefined) message.payload = validatePayload(ctx.schema, message.payload, ctx.channel, 'received');
      let result: unknown;
      if (watch === undefined) result = await handler(message);
      else await watch.run(message, async (m) => void (result = await handler(m)));
      const checked = replySchema === undefined ? result : validatePayload(replySchema, result, ctx.channel, 'reply');
      reply = encodeMessage(checked, source, `${ctx.channel}.reply`, ctx.prefix);
    } catch (error) {
      watch?.end();
      const { message, code } = errorText(error);
      reply = encodeMessage(null, source, `${ctx.channel}.reply`, ctx.prefix, {
        headers: { [HEADERS.replyError]: message.slice(0, 4096), [HEADERS.replyErrorCode]: code },
      });
    }
    try {
      await delivery.reply?.(reply);
      delivery.ack();
    } catch (error) {
      ctx.logger.warn('switchboard: could not send a reply', { channel: ctx.channel, error: errorText(error).message });
      delivery.ack();
    }
  };
}

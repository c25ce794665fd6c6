import type { RetryPolicy } from './config.js';
import { decodeMessage, encodeMessage, HEADERS } from './envelope.js';
import { SwitchboardError } from './errors.js';
import type { Logger } from './logger.js';
import { backoffDelay, sleep } from './retry.js';
import type { Delivery, WireMessage } from './spi.js';
import type { Message } from './types.js';
import { validatePayload, type SafeParser } from './validation.js';

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
 * Handles one delivery with the shared semantics: decode + validate (invalid → dead letter),
 * run the handler, ack on success, back off and retry on failure, dead-letter after
 * `maxAttempts`. Never throws: an infrastructure failure leaves the message unsettled so the
 * broker delivers it again.
 */
export function createDeliveryRunner(ctx: RunnerContext, handler: (message: Message) => unknown): (delivery: Delivery) => Promise<void> {
  const deadLetter = async (delivery: Delivery, error: unknown, attempts: number): Promise<void> => {
    if (ctx.signal.aborted) return;
    await ctx.deadLetter(deadLetterOf(delivery, error, attempts, ctx));
    delivery.ack();
  };

  return async (delivery) => {
    let attempt = 1;
    try {
      let message: Message;
      try {
        message = decodeMessage(delivery, ctx.prefix);
        attempt = message.attempt;
        if (ctx.schema !== undefined) message.payload = validatePayload(ctx.schema, message.payload, ctx.channel, 'received');
      } catch (error) {
        await deadLetter(delivery, error, attempt);
        return;
      }
      for (;;) {
        try {
          message.attempt = attempt;
          await handler(message);
          // Past the drain timeout the broker already took the message back: acking now could settle another delivery.
          if (!ctx.signal.aborted) delivery.ack();
          return;
        } catch (error) {
          if (attempt >= ctx.retry.maxAttempts) {
            await deadLetter(delivery, error, attempt);
            return;
          }
          const delay = backoffDelay(ctx.retry, attempt);
          if (delivery.retryLater !== undefined) {
            await delivery.retryLater(delay, { ...delivery.headers, [HEADERS.attempt]: String(attempt + 1) });
            return;
          }
          // Closing: leave the message unsettled so the broker gives it to another consumer.
          if (!(await sleep(delay, ctx.signal))) return;
          attempt++;
        }
      }
    } catch (error) {
      ctx.logger.error('switchboard: could not settle a message; the broker will deliver it again', {
        channel: ctx.channel,
        group: ctx.group,
        id: delivery.id,
        error: errorText(error).message,
      });
    }
  };
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
    try {
      const message = decodeMessage(delivery, ctx.prefix);
      if (ctx.schema !== undefined) message.payload = validatePayload(ctx.schema, message.payload, ctx.channel, 'received');
      const result = await handler(message);
      const checked = replySchema === undefined ? result : validatePayload(replySchema, result, ctx.channel, 'reply');
      reply = encodeMessage(checked, source, `${ctx.channel}.reply`, ctx.prefix);
    } catch (error) {
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

import type { RetryPolicy } from './config.js';
import { deadLetterHeaders, errorText } from './dead-letter.js';
import { encodeMessage, HEADERS } from './envelope.js';
import { ERROR_CODES, SwitchboardError } from './errors.js';
import type { Logger } from './logger.js';
import type { MessageDecoder } from './message-decoder.js';
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
  /**
   * Delivery → message: content type or codec, then schema. Throws CodecError / SchemaError
   * (dead-letter at once); never throws on a dead-letter channel (see createDeadLetterDecoder).
   */
  decode: MessageDecoder;
  retry: RetryPolicy;
  logger: Logger;
  /** Aborted when the subscription closes: pending in-process retries give the message back. */
  signal: AbortSignal;
  /** Publishes to `<channel>.dead`; absent on a dead-letter channel, which has none behind it. */
  deadLetter?(dead: WireMessage): Promise<void>;
  /** Spans and metrics per delivery; absent while OpenTelemetry is off (the runner then does nothing extra). */
  telemetry?: SubscriptionTelemetry;
}

/**
 * The dead letter: same body (a tombstone stays one), key, id, content type and original
 * headers, without any `sb-*` header the original carried, plus why it died. `messageId` is the id
 * the handler saw, when decoding got that far (a structured-mode event's own id).
 */
export function deadLetterOf(delivery: Delivery, error: unknown, attempts: number, ctx: RunnerContext, messageId: string = delivery.id): WireMessage {
  const headers = deadLetterHeaders(delivery.headers, { error, attempts, channel: ctx.channel, ...(ctx.group !== undefined && { group: ctx.group }), id: messageId });
  const dead: WireMessage = { body: delivery.body, headers, id: delivery.id, timestamp: delivery.timestamp };
  if (delivery.key !== undefined) dead.key = delivery.key;
  if (delivery.tombstone === true) dead.tombstone = true;
  return dead;
}

/** A handler's "do not retry": DeadLetterError, recognised by code so another copy of core's class counts too. */
export function skipsRetries(error: unknown): boolean {
  return SwitchboardError.is(error) && error.code === ERROR_CODES.deadLetter;
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
async function publishDeadLetter(ctx: RunnerContext, publish: (dead: WireMessage) => Promise<void>, delivery: Delivery, dead: WireMessage): Promise<void> {
  let letter = dead;
  for (let attempt = 1; !ctx.signal.aborted; attempt++) {
    try {
      await publish(letter);
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
 * Handles one delivery with the shared semantics: drop it when its `ttlMs` passed, decode +
 * validate (invalid → dead letter), run the handler, ack on success, back off and retry on
 * failure, dead-letter after `maxAttempts` (or at once on DeadLetterError). Never throws, and
 * never leaves a message unsettled while the subscription is open; on close, what has not
 * finished stays unsettled so the broker delivers it again.
 */
export function createDeliveryRunner(ctx: RunnerContext, handler: (message: Message) => unknown): (delivery: Delivery) => Promise<void> | undefined {
  const publishDead = ctx.deadLetter;
  const deadLetter = async (delivery: Delivery, error: unknown, attempts: number, watch: DeliveryWatch | undefined, messageId?: string): Promise<void> => {
    if (ctx.signal.aborted) return;
    if (publishDead === undefined) {
      // A dead-letter channel's decoder never throws and its handler failures are retried, so only a DeadLetterError gets here.
      ctx.logger.warn('switchboard: a handler of a dead-letter channel threw DeadLetterError; the dead letter is discarded', {
        channel: ctx.channel,
        group: ctx.group,
        id: messageId ?? delivery.id,
        error: errorText(error).message,
      });
      delivery.ack();
      return;
    }
    const publish = (): Promise<void> => publishDeadLetter(ctx, publishDead, delivery, deadLetterOf(delivery, error, attempts, ctx, messageId));
    await (watch === undefined ? publish() : watch.deadLetter(attempts, publish));
  };

  /**
   * The attempts from `attempt` on, when the first one did not settle synchronously: `failure`
   * is how the previous attempt ended (absent: run it now). Retries, backoff and dead-lettering.
   */
  const attempts = async (delivery: Delivery, message: Message, watch: DeliveryWatch | undefined, first: number, failure?: { error: unknown }): Promise<void> => {
    let attempt = first;
    let failed = failure;
    try {
      for (;;) {
        if (failed === undefined) {
          try {
            message.attempt = attempt;
            await (watch === undefined ? handler(message) : watch.run(message, handler));
            // Past the drain timeout the broker already took the message back: acking now could settle another delivery.
            if (!ctx.signal.aborted) delivery.ack();
            return;
          } catch (error) {
            failed = { error };
          }
        }
        const { error } = failed;
        failed = undefined;
        // Without a dead-letter channel behind it, only "do not retry" ends the attempts.
        if (skipsRetries(error) || (publishDead !== undefined && attempt >= ctx.retry.maxAttempts)) {
          await deadLetter(delivery, error, attempt, watch, message.id);
          return;
        }
        const delay = backoffDelay(ctx.retry, attempt);
        watch?.retrying(delay, attempt);
        if (delivery.retryLater !== undefined && (await retryLater(ctx, delivery, delay, attempt))) return;
        // Closing: leave the message unsettled so the broker gives it to another consumer.
        if (!(await sleep(delay, ctx.signal))) return;
        attempt++;
      }
    } catch (error) {
      unexpected(ctx, delivery, error);
    } finally {
      watch?.end();
    }
  };

  const invalid = async (delivery: Delivery, error: unknown, attempt: number, watch: DeliveryWatch | undefined): Promise<void> => {
    try {
      watch?.invalid(undefined, error);
      await deadLetter(delivery, error, attempt, watch);
    } catch (failure) {
      unexpected(ctx, delivery, failure);
    } finally {
      watch?.end();
    }
  };

  // Read per message: a plain flag, since AbortSignal's getter checks its receiver on every call.
  let aborted = ctx.signal.aborted;
  ctx.signal.addEventListener('abort', () => void (aborted = true), { once: true });
  const settled = (delivery: Delivery): void => {
    try {
      if (!aborted) delivery.ack();
    } catch (error) {
      unexpected(ctx, delivery, error);
    }
  };

  // Not async: a handler that returns without a promise (or a message that was dropped) settles
  // here and returns undefined, so the dispatcher frees the slot at once. One async function and
  // its promise per message was the largest allocation of the delivery path (memory benchmark).
  return (delivery) => {
    if (expired(delivery)) {
      ctx.logger.debug('switchboard: dropped an expired message before its handler (ttlMs)', { channel: ctx.channel, group: ctx.group, id: delivery.id });
      try {
        delivery.ack();
      } catch (error) {
        unexpected(ctx, delivery, error);
      }
      return undefined;
    }
    const watch = ctx.telemetry?.received(delivery);
    let message: Message;
    try {
      message = ctx.decode(delivery);
    } catch (error) {
      return invalid(delivery, error, 1, watch);
    }
    // Tracing wraps the handler in its span: the general path.
    if (watch !== undefined) return attempts(delivery, message, watch, message.attempt);
    const attempt = message.attempt;
    let result: unknown;
    try {
      result = handler(message);
    } catch (error) {
      return attempts(delivery, message, undefined, attempt, { error });
    }
    // Whatever `await` would treat as a thenable is awaited the same way.
    if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof (result as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(result as PromiseLike<unknown>).then(
        () => settled(delivery),
        (error: unknown) => attempts(delivery, message, undefined, attempt, { error }),
      );
    }
    settled(delivery);
    return undefined;
  };
}

function unexpected(ctx: RunnerContext, delivery: Delivery, error: unknown): void {
  ctx.logger.error('switchboard: unexpected failure while settling a message; it stays unsettled until the subscription closes, then the broker delivers it again', {
    channel: ctx.channel,
    group: ctx.group,
    id: delivery.id,
    error: errorText(error).message,
  });
}

/** True when the message's `ttlMs` ran out before a handler could take it. */
function expired(delivery: Delivery): boolean {
  const at = delivery.headers[HEADERS.expiresAt];
  return at !== undefined && Number(at) < Date.now();
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
      const message = ctx.decode(delivery);
      let result: unknown;
      if (watch === undefined) result = await handler(message);
      else await watch.run(message, async (m) => void (result = await handler(m)));
      const checked = replySchema === undefined ? result : validatePayload(replySchema, result, ctx.channel, 'reply');
      reply = encodeMessage(checked, source, `${ctx.channel}.reply`, ctx.prefix);
    } catch (error) {
      watch?.end();
      const { message, code } = errorText(error);
      reply = encodeMessage(null, source, `${ctx.channel}.reply`, ctx.prefix, {
        control: { [HEADERS.replyError]: message.slice(0, 4096), [HEADERS.replyErrorCode]: code },
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

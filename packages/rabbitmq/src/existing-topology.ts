import type { Channel } from 'amqplib';
import { ConfigError, type Logger } from '@switchboard/core';
import { isConnectionLoss } from './rabbit-errors.js';

/** Runs `work` on a fresh throwaway channel (a refused declare closes the channel it ran on). */
export type RunOnChannel = (operation: string, work: (channel: Channel) => Promise<unknown>) => Promise<unknown>;

/** An argument a channel needs on a queue it does not own, and why (for the error). */
export interface NeededArgument {
  value: unknown;
  why: string;
}

/** What the broker said when it refused an equivalence check. */
interface Refusal {
  code: number | string | undefined;
  text: string;
}

/** One `inequivalent arg` refusal, parsed: the argument and the existing object's value. */
interface Difference {
  arg: string;
  /** `none`, or the value as the broker prints it. */
  current: string;
  currentType: string | undefined;
}

const INEQUIVALENT = /inequivalent arg '([^']+)' for (?:queue|exchange) '(?:[^']*)' in vhost '(?:[^']*)': received (?:.*?) but current is (none|the value '(.*)' of type '([^']+)'|'(.*)')"?$/;

/** Probes refused for anything else than a difference we can learn from end after this many rounds. */
const MAX_PROBES = 12;

function parseDifference(text: string): Difference | undefined {
  const match = INEQUIVALENT.exec(text);
  if (match === null) return undefined;
  const [, arg = '', none, typedValue, type, plainValue] = match;
  if (none === 'none') return { arg, current: 'none', currentType: undefined };
  return { arg, current: typedValue ?? plainValue ?? '', currentType: type };
}

/** The existing value in a form amqplib encodes to an equal field (int types compare as one class). */
function fieldValue(difference: Difference): unknown {
  const { current, currentType } = difference;
  if (currentType === 'longstr' || currentType === undefined) return current;
  if (currentType === 'bool') return current === 'true';
  if (/^(byte|short|signedint|long|unsignedbyte|unsignedshort|unsignedint)$/.test(currentType)) return { '!': 'long', value: Number(current) };
  if (currentType === 'double' || currentType === 'float') return { '!': 'double', value: Number(current) };
  return undefined;
}

/** Runs one probe; returns the broker's refusal instead of throwing it (connection losses still throw, to be retried). */
async function attempt(run: RunOnChannel, operation: string, work: (channel: Channel) => Promise<unknown>): Promise<Refusal | undefined> {
  let refusal: Refusal | undefined;
  await run(operation, async (channel) => {
    try {
      await work(channel);
    } catch (error) {
      if (isConnectionLoss(error)) throw error;
      refusal = { code: (error as { code?: number | string }).code, text: (error as Error).message };
    }
  });
  return refusal;
}

/**
 * Checks a queue someone else owns (the group maps it with `declare: false`): it must exist and,
 * for what the channel declared, be durable and carry the needed arguments. AMQP cannot read a
 * queue's arguments, so the check declares the queue with what it needs plus every argument the
 * broker reported back in an earlier refusal, until the declare passes (a declare equal to the
 * existing queue changes nothing) or the broker names a needed argument that differs.
 */
export async function verifyExistingQueue(
  run: RunOnChannel,
  logger: Logger,
  queue: string,
  label: string,
  needs: { durable: boolean; args: Record<string, NeededArgument> },
): Promise<void> {
  const missing = await attempt(run, `checking queue "${queue}"`, (channel) => channel.checkQueue(queue));
  if (missing !== undefined) {
    if (missing.code === 404) {
      throw new ConfigError(`${label} maps the existing queue "${queue}", which does not exist: create it, fix the name, or drop declare: false so Switchboard declares it`);
    }
    throw new ConfigError(`${label}: RabbitMQ refused to check queue "${queue}": ${missing.text}`);
  }
  const wanted = Object.fromEntries(Object.entries(needs.args).map(([arg, need]) => [arg, need.value]));
  if (!needs.durable && Object.keys(wanted).length === 0) return;
  const learned: Record<string, unknown> = {};
  let durable = true;
  let autoDelete = false;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const refusal = await attempt(run, `checking queue "${queue}"`, (channel) =>
      channel.assertQueue(queue, { durable, autoDelete, arguments: { ...learned, ...wanted } }),
    );
    if (refusal === undefined) return;
    if (refusal.code === 403) {
      logger.warn('switchboard: cannot verify the arguments of an existing queue (no configure permission); using it as it is', { queue });
      return;
    }
    if (refusal.code === 405) throw new ConfigError(`${label} maps queue "${queue}", which is exclusive to another connection and cannot be consumed`);
    const difference = parseDifference(refusal.text);
    if (difference === undefined) throw new ConfigError(`${label}: RabbitMQ refused to check queue "${queue}": ${refusal.text}`);
    const { arg, current } = difference;
    if (arg === 'durable') {
      if (needs.durable) throw new ConfigError(`${label} declares durable, but the existing queue "${queue}" has durable = false: its messages would not survive a broker restart`);
      durable = false;
      continue;
    }
    if (arg === 'auto_delete') {
      autoDelete = !autoDelete;
      continue;
    }
    const need = needs.args[arg];
    if (need !== undefined) {
      throw new ConfigError(`existing queue "${queue}" has ${arg} = ${current}, but ${label} ${need.why}: change the queue's owner side or the channel declaration to match`);
    }
    const value = fieldValue(difference);
    if (value === undefined || arg in learned) break;
    learned[arg] = value;
  }
  logger.warn('switchboard: could not verify every argument of an existing queue; using it as it is', { queue });
}

/**
 * Checks an exchange someone else owns (`exchange.declare: false`): it must exist, have the
 * declared type, not be internal (clients cannot publish to it) and, with `durable`, be durable.
 * RabbitMQ compares the type first, then durable, auto-delete, internal, then arguments, so the
 * probe adjusts the flags and learns the arguments until it passes.
 */
export async function verifyExistingExchange(
  run: RunOnChannel,
  logger: Logger,
  exchange: string,
  type: string,
  label: string,
  needs: { durable: boolean },
): Promise<void> {
  const missing = await attempt(run, `checking exchange "${exchange}"`, (channel) => channel.checkExchange(exchange));
  if (missing !== undefined) {
    if (missing.code === 404) {
      throw new ConfigError(`${label} maps the existing exchange "${exchange}", which does not exist: create it, fix the name, or set exchange.declare: true so Switchboard declares it`);
    }
    throw new ConfigError(`${label}: RabbitMQ refused to check exchange "${exchange}": ${missing.text}`);
  }
  const learned: Record<string, unknown> = {};
  let durable = true;
  let autoDelete = false;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const refusal = await attempt(run, `checking exchange "${exchange}"`, (channel) =>
      channel.assertExchange(exchange, type, { durable, autoDelete, internal: false, arguments: learned }),
    );
    if (refusal === undefined) return;
    if (refusal.code === 403) {
      logger.warn('switchboard: cannot verify the type of an existing exchange (no configure permission); using it as declared', { exchange, type });
      return;
    }
    const difference = parseDifference(refusal.text);
    if (difference === undefined) throw new ConfigError(`${label}: RabbitMQ refused to check exchange "${exchange}": ${refusal.text}`);
    const { arg, current } = difference;
    if (arg === 'type') {
      throw new ConfigError(`existing exchange "${exchange}" has type = ${current}, but ${label} maps it as ${type}: set options.rabbitmq.exchange.type to ${current}`);
    }
    if (arg === 'durable') {
      if (needs.durable) throw new ConfigError(`${label} declares durable, but the existing exchange "${exchange}" has durable = false: it and its bindings would not survive a broker restart`);
      durable = false;
      continue;
    }
    if (arg === 'auto_delete') {
      autoDelete = !autoDelete;
      continue;
    }
    if (arg === 'internal') throw new ConfigError(`existing exchange "${exchange}" is internal: clients cannot publish to it, so ${label} cannot use it`);
    const value = fieldValue(difference);
    if (value === undefined || arg in learned) break;
    learned[arg] = value;
  }
  logger.warn('switchboard: could not verify every property of an existing exchange; using it as declared', { exchange });
}

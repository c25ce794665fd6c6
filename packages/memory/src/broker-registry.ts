import { ConfigError, type Logger } from '@switchboard/core';
import { systemClock, type Clock } from './clock.js';
import { MemoryBroker } from './memory-broker.js';

/** Retained messages per channel when neither the URL nor the options say. */
import { DEFAULT_RETENTION } from './memory-capabilities.js';

export { DEFAULT_RETENTION };

export interface BrokerRequest {
  /** '' for plain `memory://`. */
  name: string;
  retention: number | undefined;
  clock: Clock | undefined;
  logger: Logger;
}

interface Entry {
  broker: MemoryBroker;
  users: number;
}

/**
 * Brokers by name, reference-counted by the buses connected to them: the first `connect()` to
 * `memory://name` starts the broker, the last `bus.close()` discards it with its messages.
 * Deterministic on purpose: with WeakRefs, whether a later bus still saw earlier messages would
 * depend on when the garbage collector ran.
 */
export class BrokerRegistry {
  private readonly entries = new Map<string, Entry>();

  acquire(request: BrokerRequest): MemoryBroker {
    const entry = this.entries.get(request.name);
    if (entry === undefined) {
      const broker = new MemoryBroker(request.name, request.retention ?? DEFAULT_RETENTION, request.clock ?? systemClock, request.logger);
      this.entries.set(request.name, { broker, users: 1 });
      return broker;
    }
    const label = request.name === '' ? 'memory://' : `memory://${request.name}`;
    const hint = `a bus connected to ${label} is still open; close it first or connect to a broker of your own with memory://<unique-name>`;
    if (request.retention !== undefined && request.retention !== entry.broker.retention) {
      throw new ConfigError(`retention ${request.retention} conflicts with the running ${label} broker (retention ${entry.broker.retention}): ${hint}`);
    }
    if (request.clock !== undefined && request.clock !== entry.broker.clock) {
      throw new ConfigError(`clock conflicts with the running ${label} broker, which uses another clock: ${hint}`);
    }
    entry.users++;
    return entry.broker;
  }

  release(broker: MemoryBroker): void {
    const entry = this.entries.get(broker.name);
    if (entry === undefined || entry.broker !== broker) return;
    entry.users--;
    if (entry.users > 0) return;
    this.entries.delete(broker.name);
    broker.dispose();
  }
}

/**
 * This package's single piece of module state: the process's named brokers. Buses find one
 * another through it, which is the point of `memory://name`.
 */
export const brokerRegistry = new BrokerRegistry();

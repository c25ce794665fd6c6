import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';
import type { BackendEvents, ConnectionStatus, ReturnedMessage } from './spi.js';
import type { BusEventMap, BusLastError, SubscriptionStatus } from './types.js';

const TYPES = ['subscription', 'connection', 'returned'] as const;

/**
 * The bus's event hub: backends and subscriptions report into it, `bus.on()` listens. Deliberately
 * not an EventEmitter: there is no `error` event that kills the process when nobody listens, a
 * listener that throws is logged and skipped, and nothing is buffered for late listeners
 * (`bus.health()` has the current state).
 */
export class BusEvents implements BackendEvents {
  private readonly listeners: { [K in keyof BusEventMap]: Set<(event: BusEventMap[K]) => void> } = {
    subscription: new Set(),
    connection: new Set(),
    returned: new Set(),
  };
  /** The most recent error any connection or subscription reported. */
  lastError: BusLastError | undefined;

  constructor(private readonly logger: Logger) {}

  on<K extends keyof BusEventMap>(type: K, listener: (event: BusEventMap[K]) => void): () => void {
    if (!TYPES.includes(type)) throw new ConfigError(`bus.on(): unknown event "${String(type)}"; valid: ${TYPES.join(', ')}`);
    if (typeof listener !== 'function') throw new ConfigError(`bus.on("${type}", listener): listener must be a function`);
    const set = this.listeners[type] as Set<(event: BusEventMap[K]) => void>;
    set.add(listener);
    return () => void set.delete(listener);
  }

  connection(status: ConnectionStatus): void {
    if (status.error !== undefined && status.state === 'lost') this.lastError = { source: 'connection', name: status.name, error: status.error, at: status.since };
    this.emit('connection', status);
  }

  returned(message: ReturnedMessage): void {
    this.logger.debug(`switchboard: the broker returned a message on channel ${message.channel}: no queue to route it to`, { channel: message.channel, id: message.id, reason: message.reason });
    this.emit('returned', message);
  }

  subscription(status: SubscriptionStatus): void {
    if (status.error !== undefined && (status.state === 'failed' || status.state === 'recovering')) {
      this.lastError = { source: 'subscription', name: status.group === undefined ? `${status.kind} ${status.channel}` : `${status.channel}/${status.group}`, error: status.error, at: status.since };
    }
    this.emit('subscription', status);
  }

  private emit<K extends keyof BusEventMap>(type: K, event: BusEventMap[K]): void {
    for (const listener of this.listeners[type]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn(`switchboard: a bus.on("${type}") listener threw; ignored`, { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}

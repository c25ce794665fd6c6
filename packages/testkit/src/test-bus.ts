import { connect, type Bus, type ChannelSpec } from '@switchboard/core';
import { backendFactory } from '@switchboard/memory';

/** Options of {@link createTestBus}. */
export interface TestBusOptions<C extends Record<string, ChannelSpec>> {
  /** The application's channel declarations, as for `connect()`. */
  channels?: C;
  /** Report and enforce another backend's capabilities, so tests fail where production would. */
  profile?: 'rabbitmq' | 'kafka';
  /** Default `request()` timeout, as for `connect()`. */
  requestTimeoutMs?: number;
  /** How long `close()` waits for in-flight handlers, as for `connect()`. */
  closeTimeoutMs?: number;
}

/**
 * A bus on the embedded memory backend for application tests: no broker, real semantics.
 * With `profile: 'kafka'` a channel that declares priority beside orderedByKey fails here exactly as it would on Kafka.
 */
export function createTestBus<const C extends Record<string, ChannelSpec> = {}>(options: TestBusOptions<C> = {}): Promise<Bus<C>> {
  return connect({
    url: options.profile === undefined ? 'memory://' : `memory://?profile=${options.profile}`,
    backend: backendFactory,
    ...(options.channels !== undefined && { channels: options.channels }),
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.closeTimeoutMs !== undefined && { closeTimeoutMs: options.closeTimeoutMs }),
  });
}

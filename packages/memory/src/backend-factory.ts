import { silentLogger, type BackendContext, type BackendFactory, type Logger } from '@switchboard/core';
import { MemoryBackend } from './memory-backend.js';
import { resolveMemoryConfig } from './memory-options.js';

/**
 * Creates a memory backend for `connect({ backend })`. Same URL rules as `connect({ url })`:
 * `memory://` and `memory://<name>` (buses on the same name share one broker while any is open).
 */
export function createMemoryBackend(input: { url?: string; options?: Record<string, unknown>; logger?: Logger } = {}): MemoryBackend {
  const url = input.url ?? 'memory://';
  return new MemoryBackend(resolveMemoryConfig(url, input.options ?? {}), input.logger ?? silentLogger);
}

/** What `connect()` loads for the `memory:` scheme. `create()` does no IO. */
export const backendFactory: BackendFactory = Object.freeze({
  name: 'memory',
  schemes: Object.freeze(['memory']),
  create: (context: BackendContext) => new MemoryBackend(resolveMemoryConfig(context.url, context.options), context.logger),
});

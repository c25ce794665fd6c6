import { ChannelNameSchema, ChannelSpecSchema, parseConfig } from './config.js';
import type { ChannelSpec } from './types.js';

/**
 * Validates channel declarations exactly as `connect()` does — names, unknown keys, misspelt
 * capabilities with a "did you mean" — without a backend. For tools that read an application's
 * declarations (`switchboard check`). Throws ConfigError naming the channel, the field and `where`.
 */
export function validateChannels(channels: Record<string, unknown>, where = 'channel declarations'): Record<string, ChannelSpec> {
  for (const [name, spec] of Object.entries(channels)) {
    parseConfig(ChannelNameSchema, name, `channel name "${name}" in ${where}`);
    parseConfig(ChannelSpecSchema, spec, `declaration of channel "${name}" in ${where}`);
  }
  return channels as Record<string, ChannelSpec>;
}

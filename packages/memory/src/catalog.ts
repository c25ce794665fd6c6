/**
 * `@switchboard/memory/catalog`: what the memory backend can do (default retention), for tools
 * and for the hints of a CapabilityError on other backends.
 */
import type { CapabilityCatalog } from '@switchboard/core';
import { DEFAULT_RETENTION, memoryCatalog } from './memory-capabilities.js';

/** The memory backend's own catalog (no profile). */
export const capabilityCatalog: CapabilityCatalog = memoryCatalog(DEFAULT_RETENTION);

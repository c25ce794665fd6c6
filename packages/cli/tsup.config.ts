import { defineConfig } from 'tsup';
import shared from '../../tsup.config.js';

// The library entry is dual like every package; the `switchboard` bin is ESM only (top-level await).
// `shims` gives the CommonJS build an import.meta.url, which finds the package's own files.
export default defineConfig([
  { ...shared, shims: true },
  { ...shared, entry: { bin: 'src/bin.ts' }, format: ['esm'], clean: false, onSuccess: undefined },
]);

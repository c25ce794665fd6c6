import { defineConfig } from 'tsup';

// Shared by every package: `tsup --config ../../tsup.config.ts` runs in the package folder.
// dependencies and peerDependencies (core, vitest, zod, broker clients) stay external.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});

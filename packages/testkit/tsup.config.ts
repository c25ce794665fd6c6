import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // vitest is the application's test runner: never bundle it.
  external: ['vitest', 'zod', '@switchboard/core', '@switchboard/memory'],
});

import { defineConfig } from 'vitest/config';

// Tests import the built packages (dist), exactly as applications do: run `pnpm build` first
// (`pnpm test` does). One project per package; broker suites run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'core',
          include: ['packages/core/src/**/*.test.ts', 'packages/core/test/**/*.test.ts'],
          typecheck: { enabled: true, include: ['packages/core/test/**/*.test-d.ts'], tsconfig: 'packages/core/test/tsconfig.json' },
        },
      },
      // The conformance scenarios wait up to deliveryTimeoutMs (15 s) for a delivery, and some tests build
      // 100,000-message backlogs: the 5 s default fails them on a loaded machine before any wait gives up.
      { test: { name: 'memory', include: ['packages/memory/src/**/*.test.ts', 'packages/memory/test/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'testkit', include: ['packages/testkit/test/**/*.test.ts'] } },
      {
        test: {
          name: 'rabbitmq',
          include: ['packages/rabbitmq/src/**/*.test.ts', 'packages/rabbitmq/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'kafka',
          include: ['packages/kafka/src/**/*.test.ts', 'packages/kafka/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'workspace',
          include: ['test/**/*.test.ts', 'examples/**/test/**/*.test.ts'],
          exclude: ['test/cluster/**', '**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      // Failover on the 3-node test clusters (pnpm test:cluster starts and stops them); not part of `vitest run` alone.
      { test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false } },
    ],
  },
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { capabilityMatrix, currentMatrix, README } from './capability-matrix.mjs';

describe('README', () => {
  it("shows the capability matrix generated from the backends' own reports (run `pnpm docs:matrix` after changing a report)", async () => {
    const readme = readFileSync(README as string, 'utf8');
    expect(currentMatrix(readme)).toBe(await capabilityMatrix());
  });

  it('gives the same test command that .ci/run runs', () => {
    const readme = readFileSync(README as string, 'utf8');
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    const command = /^(npm install -g pnpm@10 && pnpm install && pnpm test)$/m.exec(readme)?.[1];
    expect(command).toBeDefined();
    expect(ci).toContain(command);
  });

  it('names the failover and Kafka 4 suites that .ci/run also runs', () => {
    const readme = readFileSync(README as string, 'utf8');
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    for (const [script, suite] of [['test:cluster', 'cluster'], ['test:kafka4', 'kafka4']]) {
      expect(readme).toContain(`pnpm ${script}`);
      expect(ci).toContain(`node test/run-suite.mjs ${suite}`);
    }
  });
});

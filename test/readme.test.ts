import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('has an OpenTelemetry setup that works as pasted: spans of a publish and its handler reach the exporter', () => {
    const readme = readFileSync(README as string, 'utf8');
    const setup = /```ts\n(\/\/ telemetry\.ts[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(setup).toBeDefined();
    const script = new URL('./readme-telemetry.tmp.mjs', import.meta.url);
    writeFileSync(
      script,
      `${setup}
const { connect } = await import('@switchboard/core');
const bus = await connect({ url: 'memory://readme-otel', channels: { orders: { groups: ['billing'] } } });
let handled;
const done = new Promise((resolve) => (handled = resolve));
await bus.channel('orders').subscribe('billing', () => handled());
await bus.channel('orders').publish({ id: 'o-1' });
await done;
await bus.close();
await trace.getTracerProvider().getDelegate().forceFlush();
`,
    );
    try {
      const output = execFileSync(process.execPath, [script.pathname], { encoding: 'utf8', timeout: 60_000 });
      expect(output).toContain("name: 'publish orders'");
      expect(output).toContain("name: 'process orders'");
    } finally {
      rmSync(script, { force: true });
    }
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

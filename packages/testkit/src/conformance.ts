import { resolveBackendFactory, type Bus } from '@switchboard/core';
import { unreachableReason } from './reachability.js';
import { createScenarioContext, type ConformanceTarget } from './scenario-context.js';

/** Options of {@link describeConformance}: the backend under test and how to treat its broker. */
export interface ConformanceOptions extends ConformanceTarget {
  /**
   * Check the broker is reachable first. Unreachable: the suite is skipped with the reason in its
   * name, or fails when the environment variable CI is `true`. Default true for non-memory URLs.
   */
  requireBroker?: boolean;
}

/**
 * Registers the whole conformance suite for one backend. Use with top-level await:
 * `await describeConformance({ name: 'rabbitmq', url: 'amqp://guest:guest@127.0.0.1:5672' })`.
 * Capabilities the backend reports as native or emulated are proven by their scenarios; those it
 * reports as unsupported are proven to be refused with CapabilityError.
 */
export async function describeConformance(options: ConformanceOptions): Promise<void> {
  // vitest is an optional peer: imported here, not at the top, so that createTestBus, recorders and
  // waitFor work in applications that test with something else.
  const { afterEach, describe, it } = await import('vitest');
  const { SCENARIO_GROUPS } = await import('./scenario-groups.js');
  const title = `${options.name} conformance`;
  const needsBroker = options.requireBroker ?? !options.url.startsWith('memory:');
  const reason = needsBroker ? await unreachableReason(options.url) : undefined;
  if (reason !== undefined) {
    if (process.env['CI'] === 'true') {
      describe(title, () => {
        it('broker is reachable', () => {
          throw new Error(`${options.name} broker unreachable under CI=true: ${reason}`);
        });
      });
    } else {
      describe.skip(`${title} (skipped: ${reason}; run pnpm brokers:up)`, () => {
        it('needs a broker', () => {});
      });
    }
    return;
  }
  const factory = options.backend ?? (await resolveBackendFactory(options.url));
  // create() does no IO: the report is available before any connection.
  const probe = factory.create({ url: options.url, options: options.options ?? {}, logger: silent });
  const opened = new Set<Bus<never>>();
  const ctx = createScenarioContext({ ...options, backend: factory }, probe, opened, probe.binding);
  describe(title, () => {
    afterEach(async () => {
      const buses = [...opened];
      opened.clear();
      await Promise.all(buses.map((bus) => bus.close()));
    });
    for (const group of SCENARIO_GROUPS) group(ctx);
  });
}

const noop = (): void => {};
const silent = { debug: noop, info: noop, warn: noop, error: noop };

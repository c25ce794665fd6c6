import { afterEach, describe, it } from 'vitest';
import { resolveBackendFactory, type Bus } from '@switchboard/core';
import { unreachableReason } from './reachability.js';
import { createScenarioContext, type ConformanceTarget, type ScenarioContext } from './scenario-context.js';
import { capabilityRefusalScenarios } from './scenarios/capability-refusal.js';
import { cloudEventsScenarios } from './scenarios/cloudevents.js';
import { codecScenarios } from './scenarios/codecs.js';
import { deadLetterInspectionScenarios } from './scenarios/dead-letter-inspection.js';
import { deadLetterScenarios } from './scenarios/dead-letter.js';
import { delayedDeliveryScenarios } from './scenarios/delayed-delivery.js';
import { envelopeScenarios } from './scenarios/envelope.js';
import { fanoutScenarios } from './scenarios/fanout.js';
import { lifecycleScenarios } from './scenarios/lifecycle.js';
import { messageTtlScenarios } from './scenarios/message-ttl.js';
import { orderedByKeyScenarios } from './scenarios/ordered-by-key.js';
import { priorityScenarios } from './scenarios/priority.js';
import { replayScenarios } from './scenarios/replay.js';
import { requestReplyScenarios } from './scenarios/request-reply.js';
import { schemaScenarios } from './scenarios/schema.js';
import { workQueueScenarios } from './scenarios/work-queue.js';

/** Every scenario group, one per capability plus the shared behaviour. */
export const SCENARIO_GROUPS: readonly ((ctx: ScenarioContext) => void)[] = [
  lifecycleScenarios,
  envelopeScenarios,
  codecScenarios,
  cloudEventsScenarios,
  schemaScenarios,
  fanoutScenarios,
  workQueueScenarios,
  orderedByKeyScenarios,
  priorityScenarios,
  requestReplyScenarios,
  replayScenarios,
  delayedDeliveryScenarios,
  deadLetterScenarios,
  deadLetterInspectionScenarios,
  messageTtlScenarios,
  capabilityRefusalScenarios,
];

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
  const ctx = createScenarioContext({ ...options, backend: factory }, probe.capabilities, opened, probe.binding);
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

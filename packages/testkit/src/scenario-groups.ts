// Imports vitest (every scenario does): loaded by describeConformance only, so the application
// helpers of this package work where vitest is not installed.
import type { ScenarioContext } from './scenario-context.js';
import { badInputScenarios } from './scenarios/bad-input.js';
import { capabilityRefusalScenarios } from './scenarios/capability-refusal.js';
import { channelRuleScenarios } from './scenarios/channel-rules.js';
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
import { retrySchedulingScenarios } from './scenarios/retry-scheduling.js';
import { schemaScenarios } from './scenarios/schema.js';
import { stallScenarios } from './scenarios/stalls.js';
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
  retrySchedulingScenarios,
  messageTtlScenarios,
  capabilityRefusalScenarios,
  channelRuleScenarios,
  badInputScenarios,
  stallScenarios,
];

export { describeConformance, SCENARIO_GROUPS } from './conformance.js';
export type { ConformanceOptions } from './conformance.js';
export type { ConformanceTarget, ScenarioContext } from './scenario-context.js';
export { createTestBus } from './test-bus.js';
export type { TestBusOptions } from './test-bus.js';
export { Recorder, recordPublished } from './recorder.js';
export { waitFor, elapsed } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { unreachableReason } from './reachability.js';

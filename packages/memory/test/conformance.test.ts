import { describeConformance } from '@switchboard/testkit';

// The memory backend proves every capability; under a profile it must also refuse exactly what
// that real backend lacks, which the suite's capability-refusal scenarios check.
await describeConformance({ name: 'memory', url: 'memory://' });
await describeConformance({ name: 'memory (kafka profile)', url: 'memory://?profile=kafka' });
await describeConformance({ name: 'memory (rabbitmq profile)', url: 'memory://?profile=rabbitmq' });

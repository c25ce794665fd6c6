// A memory profile must plan every channel exactly as the real backend does: all 2^10
// combinations of the ten capabilities (each required `true`, then `'native'`) go through the
// real backend's planning (create() does no IO) and through `memory://?profile=…`, built packages
// both, so the profile that ships (compiled from the backend's catalog) is what is compared.
import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, planChannel, silentLogger, type Backend, type BackendFactory, type Requirement, type Requirements } from '@switchboard/core';
import { backendFactory as kafkaFactory, capabilityCatalog as kafkaCatalog } from '@switchboard/kafka';
import { backendFactory as memoryFactory } from '@switchboard/memory';
import { backendFactory as rabbitFactory, capabilityCatalog as rabbitCatalog } from '@switchboard/rabbitmq';

const REAL: Record<'rabbitmq' | 'kafka', [BackendFactory, string]> = {
  rabbitmq: [rabbitFactory, 'amqp://127.0.0.1:5672'],
  kafka: [kafkaFactory, 'kafka://127.0.0.1:9092'],
};

function create(factory: BackendFactory, url: string): Backend {
  return factory.create({ url, options: {}, logger: silentLogger });
}

function combination(mask: number, required: Requirement): Requirements {
  return Object.fromEntries(CAPABILITY_NAMES.filter((_, bit) => (mask >> bit) & 1).map((name) => [name, required]));
}

/** The plan without the words of `durable` (the profile adds that this broker keeps nothing). */
function outcome(backend: Backend, requires: Requirements) {
  const { plan, problems } = planChannel(backend, 'orders', requires);
  const capabilities = Object.fromEntries(
    Object.entries(plan.capabilities).map(([name, planned]) => [name, name === 'durable' ? { ...planned, detail: undefined } : planned]),
  );
  return { capabilities, problems: problems.map((p) => ({ ...p, reason: p.capability === 'durable' ? undefined : p.reason })) };
}

describe('memory profiles plan exactly like the real backends', () => {
  for (const profile of ['rabbitmq', 'kafka'] as const) {
    it(`profile ${profile}: all 2^10 combinations, required true and 'native', give identical plans and problems`, () => {
      const [factory, url] = REAL[profile];
      const real = create(factory, url);
      const mimic = create(memoryFactory, `memory://?profile=${profile}`);
      let refused = 0;
      for (const required of [true, 'native'] as const) {
        for (let mask = 0; mask < 1 << CAPABILITY_NAMES.length; mask++) {
          const requires = combination(mask, required);
          const expected = outcome(real, requires);
          expect(outcome(mimic, requires), `${profile} ${JSON.stringify(requires)}`).toEqual(expected);
          if (expected.problems.length > 0) refused++;
        }
      }
      // The comparison covers both outcomes: some combinations are refused, some accepted.
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThan(2 << CAPABILITY_NAMES.length);
    });
  }

  it('the backends report their exported catalogs, and the light /catalog entries are the same catalogs', async () => {
    expect(create(rabbitFactory, REAL.rabbitmq[1]).capabilities).toEqual(rabbitCatalog.capabilities);
    expect(create(kafkaFactory, REAL.kafka[1]).capabilities).toEqual(kafkaCatalog.capabilities);
    for (const name of ['memory', 'rabbitmq', 'kafka']) {
      const light = (await import(`@switchboard/${name}/catalog`)) as { capabilityCatalog: { name: string } };
      expect(light.capabilityCatalog.name).toBe(name);
    }
  });
});

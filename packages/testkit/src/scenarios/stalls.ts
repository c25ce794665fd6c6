import { describe, expect, it } from 'vitest';
import type { Requirements } from '@switchboard/core';
import type { ScenarioContext } from '../scenario-context.js';
import { waitFor } from '../wait-for.js';

const FAST = 299;

export function stallScenarios(ctx: ScenarioContext): void {
  describe('stalls', () => {
    const cases: { name: string; requires: Requirements; key: (i: number) => string | undefined }[] = [
      { name: 'unkeyed', requires: {}, key: () => undefined },
    ];
    if (ctx.supports('orderedByKey')) cases.push({ name: 'orderedByKey', requires: { orderedByKey: true }, key: (i) => `k${i % 30}` });

    for (const { name, requires, key } of cases) {
      it(`a handler that does not return holds only its own slot${name === 'unkeyed' ? '' : ' and key'}: the other ${FAST} messages are handled meanwhile (${name})`, async () => {
        const ch = ctx.unique('stall');
        const bus = await ctx.connect({ [ch]: { requires } });
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let fast = 0;
        let slowDone = false;
        await bus.channel(ch).subscribe(
          'g',
          async (m) => {
            if ((m.payload as { slow?: boolean }).slow) {
              await gate;
              slowDone = true;
            } else fast++;
          },
          { concurrency: 16 },
        );
        const channel = bus.channel(ch);
        const slowKey = key(0) === undefined ? undefined : 'slow';
        await channel.publish({ slow: true }, slowKey === undefined ? {} : { key: slowKey });
        await Promise.all(Array.from({ length: FAST }, (_, i) => {
          const k = key(i);
          return channel.publish({ i }, k === undefined ? {} : { key: k });
        }));
        try {
          await waitFor(() => fast === FAST, { timeoutMs: ctx.deliveryTimeoutMs, message: `${FAST} fast messages beside a hung handler (have ${fast})` });
          expect(slowDone).toBe(false);
        } finally {
          release();
        }
        await waitFor(() => slowDone, { timeoutMs: ctx.deliveryTimeoutMs, message: 'the slow handler finishing' });
      });
    }
  });
}

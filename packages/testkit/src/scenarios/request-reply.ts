import { describe, expect, it } from 'vitest';
import { RemoteError, TimeoutError } from '@switchboard/core';
import type { ScenarioContext } from '../scenario-context.js';

export function requestReplyScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('requestReply')) return;
  describe('requestReply', () => {
    it('answers requests, matching 16 concurrent replies to their requests', async () => {
      const ch = ctx.unique('rpc');
      const bus = await ctx.connect({ [ch]: { requires: { requestReply: true } } });
      await bus.channel(ch).respond(async (q) => ({ doubled: (q.payload as { n: number }).n * 2 }));
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, n) => bus.channel(ch).request({ n }, { timeoutMs: ctx.deliveryTimeoutMs })),
      );
      expect(answers).toEqual(Array.from({ length: 16 }, (_, n) => ({ doubled: n * 2 })));
    });

    it('rejects with TimeoutError when the reply does not come in time', async () => {
      const ch = ctx.unique('rpc-timeout');
      const bus = await ctx.connect({ [ch]: { requires: { requestReply: true } } });
      let release!: () => void;
      const never = new Promise<void>((resolve) => (release = resolve));
      await bus.channel(ch).respond(async () => {
        await never;
        return 'late';
      });
      const started = Date.now();
      const error = await bus.channel(ch).request('q', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(5_000);
      release();
    });

    it('fails a request nobody can receive within the timeout (or sooner)', async () => {
      const ch = ctx.unique('rpc-nobody');
      const bus = await ctx.connect({ [ch]: { requires: { requestReply: true } } });
      const started = Date.now();
      const error = await bus.channel(ch).request('q', { timeoutMs: 500 }).catch((e: unknown) => e);
      expect(['SB_TIMEOUT', 'SB_NO_RESPONDER']).toContain((error as { code?: string }).code);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("carries the responder's error back as RemoteError", async () => {
      const ch = ctx.unique('rpc-error');
      const bus = await ctx.connect({ [ch]: { requires: { requestReply: true } } });
      await bus.channel(ch).respond(() => {
        throw new Error('out of stock');
      });
      const error = await bus.channel(ch).request('q', { timeoutMs: ctx.deliveryTimeoutMs }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as Error).message).toContain('out of stock');
    });
  });
}

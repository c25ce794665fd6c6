import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CodecError, deadLetterInfo, type Codec } from '@switchboard/core';
import { rawWire } from '../raw-wire.js';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

/** A real format with a registered media type, small enough to need no library. */
const formCodec: Codec<Record<string, string>> = {
  contentType: 'application/x-www-form-urlencoded',
  encode: (fields) => new URLSearchParams(fields).toString(),
  decode: (body) => Object.fromEntries(new URLSearchParams(body.toString())),
};

export function codecScenarios(ctx: ScenarioContext): void {
  describe('codecs', () => {
    it('sends strings on a text channel as they are (a bytes reader sees no JSON quotes)', async () => {
      const ch = ctx.unique('codec-text');
      const bus = await ctx.connect({ [ch]: { codec: 'text' } });
      const reader = await ctx.connect({});
      const text = new Recorder<string>();
      const raw = new Recorder<Buffer>();
      await bus.channel(ch).subscribe('text', text.handler);
      await reader.channel(ch, { codec: 'bytes' }).subscribe('raw', raw.handler);
      await bus.channel(ch).publish('héllo "world"');
      const [m] = await text.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(m).toMatchObject({ payload: 'héllo "world"', contentType: 'text/plain; charset=utf-8' });
      const [r] = await raw.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(Buffer.from(r!.payload).equals(Buffer.from('héllo "world"'))).toBe(true);
      await expect(bus.channel(ch).publish(42 as unknown as string)).rejects.toBeInstanceOf(CodecError);
    });

    it('passes bytes through a bytes channel untouched and refuses anything else', async () => {
      const ch = ctx.unique('codec-bytes');
      const bus = await ctx.connect({ [ch]: { codec: 'bytes' } });
      const recorder = new Recorder<Buffer>();
      await bus.channel(ch).subscribe('g', recorder.handler);
      const bytes = Buffer.from([0, 255, 10, 13, 34]);
      await bus.channel(ch).publish(bytes);
      const [m] = await recorder.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(Buffer.from(m!.payload).equals(bytes)).toBe(true);
      expect(m?.contentType).toBe('application/octet-stream');
      await expect(bus.channel(ch).publish('text' as unknown as Buffer)).rejects.toBeInstanceOf(CodecError);
    });

    it('encodes and decodes with a custom codec; a json channel gets its unknown type as bytes', async () => {
      const ch = ctx.unique('codec-custom');
      const bus = await ctx.connect({ [ch]: { codec: formCodec } });
      const reader = await ctx.connect({});
      const typed = new Recorder<Record<string, string>>();
      const generic = new Recorder();
      await bus.channel(ch).subscribe('typed', typed.handler);
      await reader.channel(ch).subscribe('generic', generic.handler);
      await bus.channel(ch).publish({ sku: 'A-1', qty: '2' });
      const [m] = await typed.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(m).toMatchObject({ payload: { sku: 'A-1', qty: '2' }, contentType: 'application/x-www-form-urlencoded' });
      const [g] = await generic.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(Buffer.isBuffer(g?.payload) && g.payload.toString()).toBe('sku=A-1&qty=2');
    });

    it("reads a message by its own content type: any case, +json, text/*, unknown types as bytes, none as the channel's codec", async () => {
      const ch = ctx.unique('codec-ctype');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler, { concurrency: 1 });
      const order = (n: number, contentType?: string) =>
        rawWire(n === 4 ? Buffer.from([0xca, 0xfe]) : n === 3 ? 'a,b' : `{"n":${n}}`, contentType === undefined ? {} : { 'content-type': contentType }, { key: 'same' });
      await ctx.publishRaw(ch, [order(1, 'Application/JSON; charset=UTF-8'), order(2, 'application/vnd.acme.order+json'), order(3, 'text/csv'), order(4, 'application/avro'), order(5)]);
      const messages = await recorder.waitForCount(5, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(messages.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }, 'a,b', Buffer.from([0xca, 0xfe]), { n: 5 }]);
      expect(messages.map((m) => m.contentType)).toEqual(['Application/JSON; charset=UTF-8', 'application/vnd.acme.order+json', 'text/csv', 'application/avro', undefined]);
    });

    it('applies the schema after decoding', async () => {
      const ch = ctx.unique('codec-schema');
      const bus = await ctx.connect({ [ch]: { codec: 'text', schema: z.string().regex(/^[A-Z]+$/) } });
      const dead = new Recorder();
      await bus.channel(`${ch}.dead`).subscribe('ops', dead.handler);
      const handled = new Recorder<string>();
      await bus.channel(ch).subscribe('g', handled.handler, { concurrency: 1 });
      await ctx.publishRaw(ch, [rawWire('lower', {}, { key: 'k' }), rawWire('UPPER', {}, { key: 'k' })]);
      const [m] = await handled.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(m?.payload).toBe('UPPER');
      const [letter] = await dead.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(deadLetterInfo(letter!)).toMatchObject({ errorCode: 'SB_SCHEMA', channel: ch, body: Buffer.from('lower') });
    });
  });
}

import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { connect, type Bus, type Codec, type DeadLetter, type DeadLetterInfo, type Message } from '../src/index.js';

interface Reading {
  sensor: string;
  celsius: number;
}
declare const readingCodec: Codec<Reading>;
const Order = z.object({ id: z.string(), total: z.number() });

declare const bus: Bus<{
  notes: { codec: 'text' };
  blobs: { codec: 'bytes' };
  readings: { codec: typeof readingCodec };
  orders: { schema: typeof Order };
  ids: { codec: 'text'; schema: z.ZodString };
  plain: {};
  'legacy.dead': { groups: ['ops'] };
}>;

describe('payload types follow the codec', () => {
  it('types text, bytes and custom-codec channels', () => {
    expectTypeOf(bus.channel('notes').publish).parameter(0).toEqualTypeOf<string>();
    void bus.channel('notes').subscribe('g', (m) => expectTypeOf(m).toEqualTypeOf<Message<string>>());
    expectTypeOf(bus.channel('blobs').publish).parameter(0).toEqualTypeOf<Uint8Array>();
    void bus.channel('blobs').subscribe('g', (m) => expectTypeOf(m.payload).toEqualTypeOf<Buffer>());
    expectTypeOf(bus.channel('readings').publish).parameter(0).toEqualTypeOf<Reading>();
    void bus.channel('readings').subscribe('g', (m) => expectTypeOf(m.payload).toEqualTypeOf<Reading>());
    // @ts-expect-error a text channel takes strings
    void bus.channel('notes').publish({ not: 'text' });
    // @ts-expect-error the codec encodes readings only
    void bus.channel('readings').publish({ sensor: 's' });
  });

  it('lets the schema decide when there is one, and keeps json channels unknown', () => {
    void bus.channel('ids').subscribe('g', (m) => expectTypeOf(m.payload).toEqualTypeOf<string>());
    void bus.channel('orders').subscribe('g', (m) => expectTypeOf(m.payload).toEqualTypeOf<{ id: string; total: number }>());
    expectTypeOf(bus.channel('plain').publish).parameter(0).toEqualTypeOf<unknown>();
  });

  it('infers codecs from connect() declarations', async () => {
    const inferred = await connect({ url: 'memory://', channels: { logs: { codec: 'text' }, raw: { codec: 'bytes' } } });
    expectTypeOf(inferred.channel('logs').publish).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(inferred.channel('raw').publish).parameter(0).toEqualTypeOf<Uint8Array>();
    // @ts-expect-error unknown codec name
    await connect({ url: 'memory://', channels: { x: { codec: 'yaml' } } });
  });
});

describe('dead-letter channels are typed from the original declaration', () => {
  it('narrows the payload on valid', () => {
    void bus.channel('orders.dead').subscribe('ops', (letter) => {
      expectTypeOf(letter).toEqualTypeOf<DeadLetter<{ id: string; total: number }>>();
      expectTypeOf(letter.deadLetter).toEqualTypeOf<DeadLetterInfo>();
      expectTypeOf(letter.deadLetter.body).toEqualTypeOf<Buffer>();
      if (letter.valid) expectTypeOf(letter.payload).toEqualTypeOf<{ id: string; total: number }>();
      else expectTypeOf(letter.payload).toEqualTypeOf<unknown>();
    });
    void bus.channel('notes.dead').subscribe('ops', (letter) => {
      if (letter.valid) expectTypeOf(letter.payload).toEqualTypeOf<string>();
    });
  });

  it('types a declared dead-letter channel whose original is not declared', () => {
    void bus.channel('legacy.dead').subscribe('ops', (letter) => {
      expectTypeOf(letter.deadLetter.attempts).toEqualTypeOf<number>();
    });
    expectTypeOf(bus.channel('orders.dead').publish).parameter(0).toEqualTypeOf<unknown>();
  });
});

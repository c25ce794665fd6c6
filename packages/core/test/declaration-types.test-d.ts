import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { connect, type Bus, type Message, type Subscription } from '../src/index.js';

const Order = z.object({ id: z.string(), total: z.number() });
const PriceQuery = z.object({ sku: z.string() });
const Price = z.object({ price: z.number() });

declare const bus: Bus<{
  orders: { requires: { workQueue: true; priority: true; deadLetter: true }; schema: typeof Order };
  pricing: { requires: { requestReply: true }; schema: typeof PriceQuery; replySchema: typeof Price };
  audit: { requires: { replay: 'native'; durable: true } };
  reminders: { requires: { delayedDelivery: 'preferred'; messageTtl: true } };
  plain: {};
  off: { requires: { priority: false } };
}>;

describe('declaration-driven channel types', () => {
  it('types payloads from the schema', () => {
    expectTypeOf(bus.channel('orders').publish).parameter(0).toEqualTypeOf<{ id: string; total: number }>();
    void bus.channel('orders').subscribe('billing', (m) => {
      expectTypeOf(m).toEqualTypeOf<Message<{ id: string; total: number }>>();
    });
    // @ts-expect-error total must be a number
    void bus.channel('orders').publish({ id: 'o-1', total: '9' });
  });

  it('offers priority only where declared', () => {
    void bus.channel('orders').publish({ id: 'o', total: 1 }, { key: 'c', priority: 8 });
    // @ts-expect-error priority is not declared on plain
    void bus.channel('plain').publish('x', { priority: 1 });
    // @ts-expect-error priority declared false
    void bus.channel('off').publish('x', { priority: 1 });
    // @ts-expect-error delayMs is not declared on orders
    void bus.channel('orders').publish({ id: 'o', total: 1 }, { delayMs: 10 });
    void bus.channel('reminders').publish('x', { delayMs: 10, ttlMs: 100 });
  });

  it('offers request/respond only with requestReply, typed by schema and replySchema', () => {
    expectTypeOf(bus.channel('pricing').request).returns.resolves.toEqualTypeOf<{ price: number }>();
    void bus.channel('pricing').respond(async (q) => {
      expectTypeOf(q.payload).toEqualTypeOf<{ sku: string }>();
      return { price: 12 };
    });
    // @ts-expect-error the reply must match replySchema
    void bus.channel('pricing').respond(async () => ({ price: 'free' }));
    // @ts-expect-error orders did not declare requestReply
    void bus.channel('orders').request({ id: 'o', total: 1 });
    // @ts-expect-error orders did not declare requestReply
    void bus.channel('orders').respond(() => null);
  });

  it('offers replay only with replay', () => {
    expectTypeOf(bus.channel('audit').replay).returns.resolves.toEqualTypeOf<Subscription>();
    void bus.channel('audit').replay({ from: 'earliest' }, () => {});
    void bus.channel('audit').replay({ from: { timestamp: new Date() } }, () => {});
    // @ts-expect-error orders did not declare replay
    void bus.channel('orders').replay({ from: 'earliest' }, () => {});
  });

  it('accepts undeclared channels, typed from the spec given there', () => {
    const ad = bus.channel('adhoc', { requires: { priority: true } });
    void ad.publish({ anything: true }, { priority: 3 });
    // @ts-expect-error no replay on an ad-hoc channel without it
    void ad.replay({ from: 'earliest' }, () => {});
    expectTypeOf(bus.channel('orders.dead').publish).parameter(0).toEqualTypeOf<unknown>();
  });

  it('infers declarations from connect() without annotations', async () => {
    const inferred = await connect({
      url: 'memory://',
      channels: { jobs: { requires: { priority: true }, schema: Order }, rpc: { requires: { requestReply: true } } },
    });
    void inferred.channel('jobs').publish({ id: 'a', total: 1 }, { priority: 2 });
    void inferred.channel('rpc').request('q');
    // @ts-expect-error jobs has no request()
    void inferred.channel('jobs').request({ id: 'a', total: 1 });
    // @ts-expect-error misspelt capability
    await connect({ url: 'memory://', channels: { x: { requires: { priorty: true } } } });
  });
});

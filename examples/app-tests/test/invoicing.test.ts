import { CapabilityError, deadLetterInfo } from '@switchboard/core';
import { createTestBus, recordPublished, Recorder } from '@switchboard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { channels, startInvoicing, type InvoicingBus } from '../src/invoicing.js';

describe('invoicing (application test on the memory backend)', () => {
  let bus: InvoicingBus;
  afterEach(() => bus?.close());

  it('issues one invoice per order', async () => {
    bus = await createTestBus({ channels });
    await startInvoicing(bus, 1_000);
    const invoices = await recordPublished(bus.channel('invoice-issued'));

    await bus.channel('order-placed').publish({ orderId: 'o-1', amount: 20 }, { key: 'o-1' });
    await bus.channel('order-placed').publish({ orderId: 'o-2', amount: 35 }, { key: 'o-2' });

    await invoices.waitForCount(2);
    expect(invoices.payloads).toEqual(
      expect.arrayContaining([expect.objectContaining({ orderId: 'o-1', amount: 20 }), expect.objectContaining({ orderId: 'o-2', amount: 35 })]),
    );
  });

  it('dead-letters an order over the credit limit, with the reason', async () => {
    bus = await createTestBus({ channels });
    await startInvoicing(bus, 100);
    const dead = new Recorder();
    await bus.channel('order-placed.dead').subscribe('test', dead.handler);

    await bus.channel('order-placed').publish({ orderId: 'o-big', amount: 5_000 }, { key: 'o-big' });

    const [letter] = await dead.waitForCount(1);
    expect(deadLetterInfo(letter!)).toMatchObject({ attempts: 2, group: 'invoicing', error: 'amount 5000 exceeds credit limit 100' });
  });

  it('fails fast when production (RabbitMQ profile) cannot give what the code relies on', async () => {
    // orderedByKey is emulated on RabbitMQ: fine with `true`, refused when the code insists on 'native'.
    const strict = { ...channels, 'order-placed': { ...channels['order-placed'], requires: { orderedByKey: 'native' as const } } };
    await expect(createTestBus({ channels: strict, profile: 'rabbitmq' })).rejects.toBeInstanceOf(CapabilityError);
  });

  it('runs unchanged under the Kafka profile', async () => {
    bus = await createTestBus({ channels, profile: 'kafka' });
    expect(bus.report().degraded).toEqual([]);
  });
});

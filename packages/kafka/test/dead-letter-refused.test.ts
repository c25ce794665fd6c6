import { randomBytes } from 'node:crypto';
import { connect, type Message } from '@switchboard/core';
import { Recorder, waitFor } from '@switchboard/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import { describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => void (await Promise.all(opened.splice(0).map((b) => b.close()))));

describeWithBroker('a dead letter the broker refuses', () => {
  it('is dropped with an error naming it, instead of holding its partition; later messages flow', async () => {
    const ch = `sbk-dl-refused-${randomBytes(4).toString('hex')}`;
    // The dead-letter topic accepts only small records: neither the full nor the reduced dead letter fits.
    const admin = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${ch}.dead`, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }] });
    } finally {
      await admin.disconnect();
    }
    const errors: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (message: string, fields?: Record<string, unknown>) => void errors.push({ message, ...(fields && { fields }) }) };
    const bus = await connect({ url: KAFKA_URL, logger, options: { ...FAST_GROUPS }, channels: { [ch]: { requires: { deadLetter: true }, partitions: 1 } } });
    opened.push(bus);
    const good = new Recorder();
    await bus.channel(ch).subscribe(
      'g',
      (m: Message) => {
        if ((m.payload as { poison?: boolean }).poison) throw new Error('never works');
        good.handler(m);
      },
      { retry: { maxAttempts: 1 } },
    );
    await bus.channel(ch).publish({ poison: true, pad: 'p'.repeat(2000) }, { id: 'poison' });
    await Promise.all(Array.from({ length: 30 }, (_, i) => bus.channel(ch).publish({ i })));
    await good.waitForCount(30, { timeoutMs: 30_000 });
    const dropped = await waitFor(() => errors.find((e) => /dropped a message that cannot be dead-lettered/.test(e.message)), {
      timeoutMs: 30_000,
      message: `the drop logged (errors so far: ${JSON.stringify(errors)})`,
    });
    expect(dropped?.fields).toMatchObject({ channel: ch, group: 'g', id: 'poison' });
  });
});

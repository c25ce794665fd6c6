import { CodecError, type DeadLetter } from '@switchboard/core';
import { createTestBus, Recorder, waitFor } from '@switchboard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { avroReadings, channels, ReadingType, type Reading } from '../src/readings.js';

describe('Avro codec (avsc) on a Switchboard channel', () => {
  const buses: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  it('round-trips typed readings as binary Avro that any Avro reader decodes', async () => {
    const bus = await createTestBus({ channels, profile: 'kafka' });
    buses.push(bus);
    const typed = new Recorder<Reading>();
    await bus.channel('readings').subscribe('dashboard', typed.handler);
    // A consumer that only sees bytes, like a service that reads the topic with its own Avro library.
    const tap = await createTestBus({});
    buses.push(tap);
    const raw = new Recorder<Buffer>();
    await tap.channel('readings', { codec: 'bytes' }).subscribe('tap', raw.handler);
    const reading = { sensor: 'boiler', celsius: 71.5, takenAt: 1_700_000_000_000 };
    await bus.channel('readings').publish(reading, { key: 'boiler' });
    const [m] = await typed.waitForCount(1);
    expect(m).toMatchObject({ payload: reading, contentType: 'application/avro', key: 'boiler' });
    const [bytes] = await raw.waitForCount(1);
    expect(ReadingType.fromBuffer(bytes!.payload)).toEqual(reading);
    // Binary Avro: no JSON, no field names on the wire.
    expect(bytes!.payload.includes(Buffer.from('celsius'))).toBe(false);
    expect(bytes!.payload.equals(avroReadings.encode(reading) as Buffer)).toBe(true);
  });

  it('refuses a reading that does not match the Avro schema, sending nothing', async () => {
    const bus = await createTestBus({ channels });
    buses.push(bus);
    const error = await bus.channel('readings').publish({ sensor: 'attic', celsius: 'warm' as unknown as number, takenAt: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodecError);
  });

  it('dead-letters what is not Avro, readable with its original bytes', async () => {
    const bus = await createTestBus({ channels });
    buses.push(bus);
    const letters: DeadLetter<Reading>[] = [];
    await bus.channel('readings.dead').subscribe('ops', (letter) => void letters.push(letter));
    await bus.channel('readings').subscribe('dashboard', () => {});
    // Another producer on the same channel, writing JSON.
    const legacy = await createTestBus({});
    buses.push(legacy);
    await legacy.channel('readings').publish({ sensor: 'garage', celsius: 9 });
    await waitFor(() => letters.length === 1);
    const [letter] = letters;
    expect(letter?.valid).toBe(false);
    expect(letter?.deadLetter).toMatchObject({ errorCode: 'SB_CODEC', contentType: 'application/json', channel: 'readings', group: 'dashboard' });
    expect(JSON.parse(letter!.deadLetter.body.toString())).toEqual({ sensor: 'garage', celsius: 9 });
  });
});

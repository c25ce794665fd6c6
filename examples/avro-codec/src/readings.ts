import avro from 'avsc';
import { connect, type Codec } from '@switchboard/core';

/** One sensor reading, as the application sees it. */
export interface Reading {
  sensor: string;
  celsius: number;
  /** Epoch milliseconds. */
  takenAt: number;
}

/**
 * The Avro schema, as every service on the topic knows it (in production usually from a schema
 * registry). Binary Avro carries no field names, so producer and consumer must share it.
 */
export const ReadingType = avro.Type.forSchema({
  type: 'record',
  name: 'Reading',
  namespace: 'com.example.iot',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'celsius', type: 'double' },
    { name: 'takenAt', type: 'long' },
  ],
});

/**
 * A Switchboard codec for readings: binary Avro with content type `application/avro`; it also
 * claims `avro/binary`, which some Avro producers write. A reading that does not match the
 * schema fails on publish (CodecError, nothing sent); a body that is not a reading is
 * dead-lettered with its bytes.
 */
export const avroReadings: Codec<Reading> = {
  contentType: 'application/avro',
  accepts: ['avro/binary'],
  encode: (reading) => ReadingType.toBuffer(reading),
  decode: (body) => ReadingType.fromBuffer(body) as Reading,
};

export const channels = {
  readings: { codec: avroReadings, requires: { deadLetter: true } },
  'readings.dead': { groups: ['ops'] },
} as const;

export function connectSensors(url: string) {
  return connect({ url, source: 'sensors', channels });
}

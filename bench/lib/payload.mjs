// The message both sides send: a 1 KiB payload plus the CloudEvents binary-mode headers
// Switchboard puts on every message. The raw side builds the same headers itself (fresh UUID and
// ISO time per message, like the SDK) so that both sides move the same bytes and do the same work.
import { randomUUID } from 'node:crypto';

export const PAYLOAD_BYTES = 1024;
export const SOURCE = 'switchboard';
export const CONTENT_TYPE = 'application/octet-stream';

// Payloads are 1 KiB Buffers on both sides: Switchboard passes bytes through untouched
// (application/octet-stream), so neither side spends time on serialisation and the comparison
// isolates what the SDK adds. Bytes 0-3: sequence number, 4-11: send time (performance.now()).
const TEMPLATE = Buffer.alloc(PAYLOAD_BYTES, 'x');

/** A fresh 1 KiB payload carrying `seq` and the current time. */
export function makePayload(seq) {
  const payload = Buffer.allocUnsafe(PAYLOAD_BYTES);
  TEMPLATE.copy(payload);
  payload.writeInt32LE(seq, 0);
  payload.writeDoubleLE(performance.now(), 4);
  return payload;
}

/**
 * Pre-built payloads for the memory backend's throughput run, where allocating and filling 1 KiB
 * per message would be a visible share of the cost and it is the harness's cost, not the SDK's.
 */
export const PREBUILT = Array.from({ length: 1024 }, (_, i) => makePayload(i));

export const seqOf = (payload) => payload.readInt32LE(0);
export const sentAtOf = (payload) => payload.readDoubleLE(4);

// The JSON variant (memory backend only): an object that serialises to ~1 KiB, so the cost of
// JSON.stringify / JSON.parse a typical application pays shows up next to the bytes figure.
const probe = JSON.stringify({ seq: 1234, sentAt: 1234.567890123, data: '' }).length;
const PAD = 'x'.repeat(PAYLOAD_BYTES - probe);

export function makeJsonPayload(seq) {
  return { seq, sentAt: performance.now(), data: PAD };
}

/** AMQP publish options equal to what @switchboard/rabbitmq sends (CloudEvents AMQP binding). */
export function amqpPublishOptions(type) {
  const id = randomUUID();
  const now = Date.now();
  return {
    headers: {
      'cloudEvents_specversion': '1.0',
      'cloudEvents_id': id,
      'cloudEvents_source': SOURCE,
      'cloudEvents_type': type,
      'cloudEvents_time': new Date(now).toISOString(),
    },
    messageId: id,
    timestamp: Math.floor(now / 1000),
    contentType: CONTENT_TYPE,
    persistent: true,
  };
}

/** A kafkajs record equal to what @switchboard/kafka sends (CloudEvents Kafka binding). */
export function kafkaRecord(type, payload) {
  const now = Date.now();
  return {
    value: payload,
    headers: {
      ce_specversion: '1.0',
      ce_id: randomUUID(),
      ce_source: SOURCE,
      ce_type: type,
      ce_time: new Date(now).toISOString(),
      'content-type': CONTENT_TYPE,
    },
    timestamp: String(now),
  };
}

import { connect, redactUrl } from '@switchboard/core';
import { connectSensors, type Reading } from './readings.js';

const url = process.env['BUS_URL'] ?? 'memory://';
const bus = await connectSensors(url);
console.log(`avro-codec on ${bus.backend} (${redactUrl(url)})`);

const handled: string[] = [];
await bus.channel('readings').subscribe('dashboard', ({ payload, contentType }) => {
  // payload is a Reading: decoded from binary Avro by the channel's codec.
  handled.push(`${payload.sensor} ${payload.celsius.toFixed(1)} °C (${contentType})`);
});

// Ops reads the dead letters: typed from the `readings` declaration, with the original bytes.
const dead: string[] = [];
await bus.channel('readings.dead').subscribe('ops', (letter) => {
  const what = letter.valid ? `reading of ${letter.payload.sensor}` : `${letter.deadLetter.body.length} bytes of ${letter.deadLetter.contentType ?? 'unknown type'}`;
  dead.push(`${what}: ${letter.deadLetter.errorCode} ${letter.deadLetter.error}`);
});

const readings: Reading[] = [
  { sensor: 'boiler', celsius: 71.5, takenAt: Date.now() },
  { sensor: 'attic', celsius: 18.25, takenAt: Date.now() },
];
for (const reading of readings) await bus.channel('readings').publish(reading, { key: reading.sensor });

// A service that knows nothing of Avro sends JSON to the same channel: it cannot be read as a
// reading, so it lands in readings.dead with its bytes and content type instead of looping.
const legacy = await connect({ url, source: 'legacy' });
await legacy.channel('readings').publish({ sensor: 'garage', celsius: 9 });

const deadline = Date.now() + 30_000;
while ((handled.length < readings.length || dead.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
console.log(`handled:\n  ${handled.join('\n  ')}`);
console.log(`dead letters:\n  ${dead.join('\n  ')}`);
await legacy.close();
await bus.close();

import { describeConformance } from '@switchboard/testkit';

await describeConformance({ name: 'rabbitmq', url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672' });

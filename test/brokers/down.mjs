#!/usr/bin/env node
// Stops the brokers started for tests. RabbitMQ is a shared system service, so it is left
// running unless --all is given.
import { kafkaDown } from './kafka.mjs';
import { rabbitDown } from './rabbitmq.mjs';

const all = process.argv.includes('--all');
const results = await Promise.allSettled([kafkaDown(), ...(all ? [rabbitDown()] : [])]);
const failures = results.filter((r) => r.status === 'rejected');
for (const f of failures) console.error(`[brokers] stop failed: ${f.reason?.message || f.reason}`);
process.exit(failures.length ? 1 : 0);

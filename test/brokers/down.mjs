#!/usr/bin/env node
// Stops the brokers started for tests. RabbitMQ is a shared system service, so it is left
// running unless --all is given. --cluster stops only the failover suites' clusters.
import { kafkaClusterDown } from './kafka-cluster.mjs';
import { kafkaDown } from './kafka.mjs';
import { rabbitClusterDown } from './rabbitmq-cluster.mjs';
import { rabbitDown } from './rabbitmq.mjs';

const all = process.argv.includes('--all');
const stops = process.argv.includes('--cluster') ? [kafkaClusterDown(), rabbitClusterDown()] : [kafkaDown(), ...(all ? [rabbitDown()] : [])];
const results = await Promise.allSettled(stops);
const failures = results.filter((r) => r.status === 'rejected');
for (const f of failures) console.error(`[brokers] stop failed: ${f.reason?.message || f.reason}`);
process.exit(failures.length ? 1 : 0);

// Side B: Switchboard through its public API only (connect(), channel().publish / subscribe /
// request / respond), with the defaults users get. The same code runs against every backend;
// only the URL differs.
import { connect } from '@switchboard/core';
import { SETTINGS, withVariant } from '../lib/settings.mjs';

const URLS = {
  memory: 'memory://',
  rabbitmq: process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  kafka: `kafka://${SETTINGS.kafka.brokers.join(',')}`,
};
const GROUP = 'bench';
// Diagnostics only (never set for published results): backend options merged into connect(),
// e.g. BENCH_SDK_OPTIONS='{"tls":{"noDelay":true}}' to see what a socket setting would change.
const EXTRA_OPTIONS = process.env.BENCH_SDK_OPTIONS ? JSON.parse(process.env.BENCH_SDK_OPTIONS) : undefined;
// Diagnostics only, likewise: merged into the channel's declaration, e.g.
// BENCH_SDK_CHANNEL='{"requires":{"orderedByKey":true}}' (on Kafka: no retry topic and its consumer).
const EXTRA_CHANNEL = process.env.BENCH_SDK_CHANNEL ? JSON.parse(process.env.BENCH_SDK_CHANNEL) : undefined;

export async function createSide({ name, backend }) {
  const buses = [];
  const open = async (spec) => {
    const bus = await connect({ url: URLS[backend], channels: { [name]: withVariant(spec, EXTRA_CHANNEL) }, ...(EXTRA_OPTIONS && { options: EXTRA_OPTIONS }) });
    buses.push(bus);
    return bus.channel(name);
  };
  const close = async () => {
    for (const bus of buses.splice(0)) await bus.close();
  };
  // A declared group: its queue / consumer group exists before the first publish, as in the raw side.
  const withGroup = { groups: [GROUP] };

  // `groups` > 1 (memory fan-out): that many declared subscriber groups, one subscriber each.
  const pipe = async (groups = 1) => {
    const names = groups === 1 ? [GROUP] : Array.from({ length: groups }, (_, i) => `${GROUP}-${i}`);
    const channel = await open({ groups: names });
    return {
      subscribe: async (onPayload) => {
        const handler = (message) => {
          onPayload(message.payload);
        };
        // The memory target (issue #14) is stated at concurrency 64; brokers keep the default (16).
        for (const group of names) await channel.subscribe(group, handler, backend === 'memory' ? { concurrency: 64 } : undefined);
      },
      send: (payload) => channel.publish(payload),
      sendMany: (payloads) => Promise.all(payloads.map((payload) => channel.publish(payload))),
      close,
    };
  };

  return {
    async publisher() {
      const channel = await open(withGroup);
      return { send: (payloads) => Promise.all(payloads.map((payload) => channel.publish(payload))), close };
    },

    async consumer(count) {
      const channel = await open(withGroup);
      // The backlog is written by the raw client with the SDK's exact headers, so A and B read
      // identical records; pre-filling is not timed.
      const raw = await import(`./${backend}-raw.mjs`);
      await raw.prefill(name, count);
      return {
        start: async (onPayload) => {
          await channel.subscribe(GROUP, (message) => {
            onPayload(message.payload);
          });
        },
        close,
      };
    },

    latencyPipe: pipe,
    pipe,

    async requestReply() {
      const channel = await open({ requires: { requestReply: true } });
      await channel.respond((message) => message.payload);
      return { request: (payload) => channel.request(payload), close };
    },

    dispose: close,
  };
}

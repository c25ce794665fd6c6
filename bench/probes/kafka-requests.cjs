// Diagnostic probe for one benchmark run (not used by `pnpm bench`): counts the Kafka requests a
// process sends, by API, and times produce requests that carry a benchmark payload.
//   NODE_OPTIONS="--require ./bench/probes/kafka-requests.cjs" node bench/worker.mjs '<job json>'
// Prints one line to stderr at exit. kafkajs internals are patched here and only here: both sides
// load the same kafkajs copy, so raw (A) and Switchboard (B) are measured the same way.
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
const kafkajs = path.dirname(require.resolve('kafkajs/package.json', { paths: [path.join(root, 'packages', 'kafka'), root] }));
const Connection = require(path.join(kafkajs, 'src/network/connection.js'));
const Broker = require(path.join(kafkajs, 'src/broker/index.js'));

const requests = new Map();
const send = Connection.prototype.send;
Connection.prototype.send = function (args) {
  const name = args.request.apiName ?? String(args.request.apiKey);
  requests.set(name, (requests.get(name) ?? 0) + 1);
  return send.call(this, args);
};

// Bytes 4-11 of a benchmark payload hold performance.now() at creation (bench/lib/payload.mjs);
// request/reply echoes the request's payload, so a reply's record carries the request's time too.
const stages = { request: [], requestProduce: [], requestAcked: [], requestFetched: [], reply: [], replyProduce: [], replyAcked: [], replyFetched: [] };
const produce = Broker.prototype.produce;
Broker.prototype.produce = async function (args) {
  const started = performance.now();
  let kind;
  const topic = args.topicData?.[0];
  const value = topic?.partitions?.[0]?.messages?.[0]?.value;
  if (Buffer.isBuffer(value) && value.length === 1024) {
    kind = topic.topic.endsWith('.replies') ? 'reply' : 'request';
    stages[kind].push(started - value.readDoubleLE(4));
  }
  const result = await produce.call(this, args);
  if (kind !== undefined) {
    stages[`${kind}Produce`].push(performance.now() - started);
    stages[`${kind}Acked`].push(performance.now() - value.readDoubleLE(4));
  }
  return result;
};

// When a fetch response brings a benchmark payload back: the responder's fetch (request) and the
// requester's (reply), both since the request's payload was created.
const fetch = Broker.prototype.fetch;
Broker.prototype.fetch = async function (args) {
  const result = await fetch.call(this, args);
  const now = performance.now();
  for (const topic of result?.responses ?? []) {
    for (const partition of topic.partitions ?? []) {
      for (const message of partition.messages ?? []) {
        if (!Buffer.isBuffer(message.value) || message.value.length !== 1024) continue;
        const created = message.value.readDoubleLE(4);
        if (created > 0 && created <= now) stages[topic.topicName.endsWith('.replies') ? 'replyFetched' : 'requestFetched'].push(now - created);
      }
    }
  }
  return result;
};

const p50 = (xs) => (xs.length === 0 ? '-' : `${Math.round([...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] * 1000)} µs`);
process.on('exit', () => {
  console.error(`kafka requests: ${JSON.stringify(Object.fromEntries(requests))}`);
  console.error(
    `median: payload created → produce sent ${p50(stages.request)}, produce round trip ${p50(stages.requestProduce)}; ` +
      `request created → reply produce sent ${p50(stages.reply)}, reply produce round trip ${p50(stages.replyProduce)} (${stages.request.length} / ${stages.reply.length} records)`,
  );
  // Since the request's payload was created, in the order they happen on a round trip.
  const timeline = ['request', 'requestAcked', 'requestFetched', 'reply', 'replyAcked', 'replyFetched'].map((stage) => `${stage} ${p50(stages[stage])}`);
  console.error(`timeline from creation (medians): ${timeline.join(' → ')}`);
});

// Shared by app.cjs and app.mjs: provokes an error in every backend and reports, for each, whether
// `instanceof` holds against the classes of the core copy the application itself loaded (`core`).
// Some errors come from another copy on purpose (CommonJS app → ESM backend, and the reverse).
'use strict';

const BACKEND_TIMEOUTS = {
  rabbitmq: { connectAttemptTimeoutMs: 500, operationTimeoutMs: 1500, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } },
  kafka: { connectTimeoutMs: 1500, connectAttemptTimeoutMs: 500 },
};

async function thrown(attempt) {
  try {
    await attempt();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function describeError(core, label, error, expected, unrelated) {
  return {
    label,
    name: error?.name,
    code: error?.code,
    instanceOfExpected: error instanceof core[expected],
    instanceOfBase: error instanceof core.SwitchboardError,
    instanceOfError: error instanceof Error,
    instanceOfUnrelated: error instanceof core[unrelated],
    is: core.SwitchboardError.is(error),
    fromOtherCopy: error?.constructor !== core[expected],
  };
}

/**
 * @param core the application's `@switchboard/core` module
 * @param brokers which shared brokers answer, and the unique channel to use on them: { rabbitmq?: url, kafka?: url, channel }
 * @param extraFactories backend factories loaded some other way (e.g. the CommonJS build from ESM)
 */
async function probeErrors(core, brokers, extraFactories = {}) {
  const results = [];
  const record = (label, error, expected, unrelated = 'TimeoutError') => results.push(describeError(core, label, error, expected, unrelated));

  const memory = await core.connect({ url: 'memory://', channels: { rpc: { requires: { requestReply: true } } } });
  record('memory: request without responder', await thrown(() => memory.channel('rpc').request('x', { timeoutMs: 500 })), 'NoResponderError');
  await memory.close();
  record('memory: bad url option', await thrown(() => core.connect({ url: 'memory://?profile=nats' })), 'ConfigError');
  for (const [name, factory] of Object.entries(extraFactories)) {
    const bus = await core.connect({ url: 'memory://', backend: factory, channels: { rpc: { requires: { requestReply: true } } } });
    record(`${name}: request without responder`, await thrown(() => bus.channel('rpc').request('x', { timeoutMs: 500 })), 'NoResponderError');
    await bus.close();
  }

  record('rabbitmq: nothing listening', await thrown(() => core.connect({ url: 'amqp://127.0.0.1:1', options: BACKEND_TIMEOUTS.rabbitmq })), 'ConnectionError');
  record('rabbitmq: unknown option', await thrown(() => core.connect({ url: 'amqp://127.0.0.1:1', options: { prefetch: 1 } })), 'ConfigError');
  if (brokers.rabbitmq) {
    const wrong = brokers.rabbitmq.replace('guest:guest@', 'guest:wrong-password@');
    record('rabbitmq: credentials refused', await thrown(() => core.connect({ url: wrong, options: BACKEND_TIMEOUTS.rabbitmq })), 'AuthError');
    const channel = brokers.channel;
    const bus = await core.connect({ url: brokers.rabbitmq, channels: { [channel]: { requires: { requestReply: true } } } });
    record('rabbitmq: request without responder', await thrown(() => bus.channel(channel).request('x', { timeoutMs: 3000 })), 'NoResponderError');
    await bus.close();
  }

  record('kafka: nothing listening', await thrown(() => core.connect({ url: 'kafka://127.0.0.1:1', options: BACKEND_TIMEOUTS.kafka })), 'ConnectionError');
  record('kafka: unknown option', await thrown(() => core.connect({ url: 'kafka://127.0.0.1:1', options: { acks: 1 } })), 'ConfigError');
  if (brokers.kafka) {
    const channel = brokers.channel;
    const bus = await core.connect({ url: brokers.kafka, channels: { [channel]: { requires: { requestReply: true }, partitions: 1 } } });
    record('kafka: request without responder', await thrown(() => bus.channel(channel).request('x', { timeoutMs: 1500 })), 'TimeoutError', 'NoResponderError');
    await bus.close();
  }
  return results;
}

module.exports = { probeErrors };

import type { CapabilityName, CapabilityReport, CapabilitySupport } from '@switchboard/core';
import { everyMessageBinding, groupRoute, routesByKey, type ChannelMapping } from './topology-mapping.js';
import { delayExchangeName, requestQueueName } from './topology-names.js';

type Overrides = Partial<Record<CapabilityName, CapabilitySupport>>;

function quoted(names: Iterable<string>): string {
  return [...names].map((name) => `"${name}"`).join(', ');
}

function routingText(mapping: ChannelMapping): string {
  const routing = mapping.routing;
  if (routing.from === 'fixed') return ` with the fixed routing key "${routing.key}"`;
  if (routing.from === 'key') return ` with the message key as routing key (unkeyed messages: "${routing.fallback}")`;
  return '';
}

function bindingText(mapping: ChannelMapping, group: string): string {
  const route = groupRoute(mapping, group);
  if (!route.declare) return `group "${group}" reads the existing queue "${route.queue}" as its owner bound it (Switchboard neither declares nor binds it)`;
  const patterns = route.bindings.map((binding) =>
    binding.args === undefined ? `"${binding.pattern}"` : JSON.stringify(Object.fromEntries(Object.entries(binding.args).filter(([name]) => name !== 'x-match'))) + ` (x-match ${String(binding.args['x-match'])})`,
  );
  const queue = route.derived ? '' : ` on queue "${route.queue}"`;
  return mapping.exchangeType === 'fanout' ? `group "${group}"${queue}` : `group "${group}"${queue} binds ${patterns.join(', ')}`;
}

/** What groups of this channel receive, in words, for the fanout detail. */
function fanoutText(mapping: ChannelMapping): string {
  const { exchange, exchangeType, declareExchange } = mapping;
  const head = `Publishes to the ${declareExchange ? 'durable' : 'existing'} ${exchangeType} exchange "${exchange}"${declareExchange ? '' : ' (used as it is, not declared)'}${routingText(mapping)}.`;
  let groups: string;
  if (exchangeType === 'fanout') {
    groups = ' Each subscriber group has its own queue bound to it and receives every message.';
  } else {
    const unbound =
      everyMessageBinding(exchangeType) === undefined
        ? 'groups without bindings are refused (a direct exchange has no wildcard)'
        : `groups without bindings get every message (${exchangeType === 'topic' ? '"#"' : 'an empty header match'})`;
    groups = ` Each subscriber group still has its own queue and its own copy, but only of the messages its bindings match; ${unbound}.`;
  }
  const mapped = [...mapping.groups.keys()].map((group) => bindingText(mapping, group));
  return `${head}${groups}${mapped.length > 0 ? ` Mapped: ${mapped.join('; ')}.` : ''}`;
}

function existingQueues(mapping: ChannelMapping): string[] {
  return [...mapping.groups.keys()].filter((group) => !groupRoute(mapping, group).declare);
}

function append(report: CapabilityReport, overrides: Overrides, name: CapabilityName, text: string): void {
  const current = overrides[name] ?? report[name];
  overrides[name] = { ...current, detail: `${current.detail.replace(/\.$/, '')}. ${text}` };
}

/**
 * How a mapping onto existing or hand-shaped topology changes what each capability means on one
 * channel. Applied on top of the channel's other overrides; adds nothing when nothing is mapped.
 */
export function mappingCapabilities(report: CapabilityReport, overrides: Overrides, mapping: ChannelMapping): Overrides {
  if (!mapping.mapped) return overrides;
  const result: Overrides = { ...overrides };
  result.fanout = { ...report.fanout, detail: fanoutText(mapping) };
  const existing = existingQueues(mapping);
  const queues = quoted(existing.map((group) => groupRoute(mapping, group).queue));
  if (existing.length > 0) {
    append(report, result, 'workQueue', `Groups on existing queues (${queues}) share them with any other consumers those queues have.`);
    append(report, result, 'priority', `Existing queues (${queues}) must already have x-max-priority equal to maxPriority: checked at connect, a mismatch is a ConfigError.`);
    append(report, result, 'orderedByKey', `Existing queues (${queues}) must already have x-single-active-consumer: checked at connect, a mismatch is a ConfigError.`);
    append(report, result, 'durable', `Existing queues (${queues}) are checked to be durable at connect.`);
  }
  if (!mapping.declareExchange) append(report, result, 'durable', `The existing exchange "${mapping.exchange}" is checked to be durable at connect.`);
  if (mapping.routing.from === 'key') {
    append(report, result, 'orderedByKey', 'A message from another service without a key header takes its routing key as key.');
  }
  const every = everyMessageBinding(mapping.exchangeType);
  if (every === undefined) {
    result.replay = {
      support: 'unsupported',
      detail: `A direct exchange ("${mapping.exchange}") has no binding that receives every message, so no stream can hold the channel's history; map a topic exchange (its stream binds "#") to replay.`,
    };
  } else {
    const how = mapping.exchangeType === 'fanout' ? '' : ` (bound with ${mapping.exchangeType === 'topic' ? '"#"' : 'an empty header match'})`;
    append(report, result, 'replay', `The stream holds every message that passes through exchange "${mapping.exchange}"${how}; messages other services put straight into a queue are not in it.`);
  }
  if (routesByKey(mapping.exchangeType)) {
    append(report, result, 'delayedDelivery', `Delayed messages pass through the "${delayExchangeName(mapping.channel)}" headers exchange, so they keep their routing key.`);
  }
  append(report, result, 'requestReply', `Requests do not use the mapped exchange: they go to the "${requestQueueName(mapping.channel)}" queue.`);
  return result;
}

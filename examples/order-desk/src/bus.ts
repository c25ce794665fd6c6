import { connect, type ChannelSpec } from '@switchboard/core';
import { Order, OrderLogEntry, PriceQuery, PriceQuote } from './schemas.js';

/**
 * The application's declaration: what each channel needs. The same code runs on memory,
 * RabbitMQ and Kafka; where a backend lacks something marked 'preferred', the demo runs
 * without it and bus.report() says so. Exported on its own so that tools read it without
 * connecting: `switchboard check dist/bus.js --url kafka://…`, `switchboard asyncapi dist/bus.js`.
 */
export const channels = {
  orders: {
    requires: { workQueue: true, deadLetter: true, priority: 'preferred' },
    schema: Order,
    groups: ['fulfilment'],
  },
  pricing: { requires: { requestReply: true }, schema: PriceQuery, replySchema: PriceQuote },
  'order-log': { requires: { replay: true, durable: 'preferred' }, schema: OrderLogEntry },
  'orders.dead': { groups: ['ops'] },
} as const satisfies Record<string, ChannelSpec>;

export function connectOrderDesk(url: string) {
  return connect({ url, source: 'order-desk', channels });
}

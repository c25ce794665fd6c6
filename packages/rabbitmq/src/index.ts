/**
 * `@switchboard/rabbitmq`: the RabbitMQ backend (amqplib). Applications normally only install it
 * and `connect({ url: 'amqp://…' })`; the exports below are for explicit wiring and options.
 */
export { backendFactory, createRabbitBackend } from './rabbit-backend.js';
export { capabilityCatalog, rabbitCatalog } from './catalog.js';
export { RabbitOptionsSchema, RabbitChannelOptionsSchema, BROKER_DEFAULT_MAX_MESSAGE_BYTES } from './options.js';
export type { RabbitOptions, RabbitOptionsInput, RabbitChannelOptions } from './options.js';
export { RabbitTopologyMappingSchema, EXCHANGE_TYPES } from './topology-mapping.js';
export type { RabbitTopologyMappingInput, ExchangeType } from './topology-mapping.js';

import { defineConfig } from 'tsup';
import shared from '../../tsup.config';

// The profiles are the RabbitMQ and Kafka backends' capability catalogs, bundled from their light
// `/catalog` entries (no broker client), so installing this package installs no broker client.
export default defineConfig({ ...(shared as object), noExternal: ['@switchboard/rabbitmq/catalog', '@switchboard/kafka/catalog'] });

import kafkajs from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader cannot see all of its named exports, so the runtime
// values come from the default export (types are still imported from 'kafkajs' directly).
export const { Kafka, Partitioners, PartitionAssigners, CompressionTypes, CompressionCodecs, ConfigResourceTypes, logLevel, AssignerProtocol } = kafkajs;

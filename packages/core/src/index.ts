export { connect } from './bus.js';
export {
  SwitchboardError,
  ConfigError,
  CapabilityError,
  SchemaError,
  TimeoutError,
  ClosedError,
  ConnectionError,
  AuthError,
  MessageTooLargeError,
  NoResponderError,
  RemoteError,
  CodecError,
  DeadLetterError,
  ERROR_CODES,
  redactUrl,
} from './errors.js';
export type { ErrorCode, CapabilityProblem, SchemaIssue, SwitchboardErrorOptions } from './errors.js';
export { CAPABILITY_NAMES, satisfies, isDeclared } from './capabilities.js';
export type {
  CapabilityName,
  CapabilityReport,
  CapabilitySupport,
  Requirement,
  Requirements,
  Support,
} from './capabilities.js';
export { planChannel, channelReport } from './capability-check.js';
export type { ChannelPlan, PlannedCapability } from './capability-check.js';
export { parseConfig, RetrySchema, CodecSchema, CHANNEL_NAME_PATTERN } from './config.js';
export { validateChannels } from './validate-declarations.js';
export type { RetryOptions, RetryPolicy } from './config.js';
export { backoffDelay } from './retry.js';
export { MAX_TIMER_MS } from './argument-checks.js';
export { encodeMessage, decodeMessage, HEADERS, CONTENT_TYPE_HEADER } from './envelope.js';
export type { DecodeOptions, EncodeOptions } from './envelope.js';
export { resolveCodec } from './codec.js';
export type { Codec, CodecOption, PayloadCodec } from './codec.js';
export { bindingFor, CE_PREFIXES } from './cloudevents.js';
export type { EnvelopeBinding } from './cloudevents.js';
export { deadLetterInfo, deadLetterTarget, isDeadLetterChannel, DEAD_SUFFIX } from './dead-letter.js';
export type { DeadLetterInfo } from './dead-letter.js';
export { isValidTraceparent, isValidTracestate } from './trace-context.js';
export { reservedHeaderReason, RESERVED_PREFIXES } from './control-headers.js';
export { silentLogger } from './logger.js';
export { adaptLogger, fieldsFirstLogger, messageFirstLogger } from './logger-adapters.js';
export { closeOnSignals } from './close-on-signals.js';
export type { CloseOnSignalsOptions } from './close-on-signals.js';
export type { TelemetryOptions } from './telemetry/telemetry-options.js';
export type { Logger } from './logger.js';
export { SCHEME_BACKENDS, schemeOf, resolveBackendFactory, installedCatalogs } from './resolve-backend.js';
export type { ResolveBackendOptions } from './resolve-backend.js';
export type {
  Backend,
  BackendContext,
  BackendFactory,
  ChannelSetup,
  ChannelTopologyReport,
  BackendEvents,
  CapabilityCatalog,
  ConnectionState,
  ConnectionStatus,
  ConsumeOptions,
  ConsumerState,
  ConsumerStatus,
  ConsumerHandle,
  Delivery,
  DecodeSlot,
  DeliverFn,
  ReplayFrom,
  RequestOptions,
  ReturnedMessage,
  WireMessage,
} from './spi.js';
export type {
  BasePublishOptions,
  Bus,
  BusEventMap,
  BusHealth,
  BusLastError,
  BusReport,
  Channel,
  ChannelBase,
  ChannelSpec,
  ConnectOptions,
  DeadLetter,
  DeadLetterChannel,
  Handler,
  Message,
  PayloadIn,
  PayloadOut,
  PublishOptions,
  ReplayApi,
  ReplayFromOption,
  ReportedCapability,
  ReportedEntry,
  RequestReplyApi,
  SubscribeOptions,
  Subscription,
  SubscriptionState,
  SubscriptionStatus,
} from './types.js';

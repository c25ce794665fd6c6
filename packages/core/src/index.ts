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
  ERROR_CODES,
  redactUrl,
} from './errors.js';
export type { ErrorCode, CapabilityProblem, SchemaIssue, SwitchboardErrorOptions } from './errors.js';
export { CAPABILITY_NAMES, KNOWN_SUPPORT, satisfies, isDeclared } from './capabilities.js';
export type {
  CapabilityName,
  CapabilityReport,
  CapabilitySupport,
  KnownBackend,
  Requirement,
  Requirements,
  Support,
} from './capabilities.js';
export { planChannel, channelReport } from './capability-check.js';
export type { ChannelPlan, PlannedCapability } from './capability-check.js';
export { parseConfig, RetrySchema, CHANNEL_NAME_PATTERN } from './config.js';
export type { RetryOptions, RetryPolicy } from './config.js';
export { backoffDelay } from './retry.js';
export { encodeMessage, decodeMessage, deadLetterInfo, HEADERS, CONTENT_TYPE_HEADER } from './envelope.js';
export type { DeadLetterInfo, EncodeOptions } from './envelope.js';
export { silentLogger } from './logger.js';
export { adaptLogger, fieldsFirstLogger, messageFirstLogger } from './logger-adapters.js';
export { closeOnSignals } from './close-on-signals.js';
export type { CloseOnSignalsOptions } from './close-on-signals.js';
export type { TelemetryOptions } from './telemetry/telemetry-options.js';
export type { Logger } from './logger.js';
export { SCHEME_BACKENDS, schemeOf, resolveBackendFactory } from './resolve-backend.js';
export type {
  Backend,
  BackendContext,
  BackendFactory,
  ChannelSetup,
  BackendEvents,
  ConnectionState,
  ConnectionStatus,
  ConsumeOptions,
  ConsumerState,
  ConsumerStatus,
  ConsumerHandle,
  Delivery,
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
  Handler,
  Message,
  PayloadIn,
  PayloadOut,
  PublishOptions,
  ReplayApi,
  ReplayFromOption,
  ReportedCapability,
  RequestReplyApi,
  SubscribeOptions,
  Subscription,
  SubscriptionState,
  SubscriptionStatus,
} from './types.js';

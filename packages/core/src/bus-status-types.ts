/**
 * What a bus tells about itself: subscription status, health for readiness probes, events, and
 * the report of what each declared capability became.
 */
import type { CapabilityName, Requirement, Support } from './capabilities.js';
import type { ChannelTopologyReport, ConnectionStatus, ReturnedMessage } from './spi.js';

/**
 * `live`: receiving. `recovering`: the connection was lost and the backend is reconnecting by itself.
 * `failed`: the consumer cannot make progress until someone acts (unreadable data, group protocol
 * conflict, authorization); `error` says why. `closed`: closed by the application.
 */
export type SubscriptionState = 'live' | 'recovering' | 'failed' | 'closed';

/** Whether one subscription makes progress: `subscription.status`, `onStatus`, `bus.health()`. */
export interface SubscriptionStatus {
  /** The channel it reads. */
  channel: string;
  /** Subscriber group; absent for replay and respond. */
  group?: string;
  /** Which call started it. */
  kind: 'subscribe' | 'replay' | 'respond';
  /** Live, recovering, failed or closed. */
  state: SubscriptionState;
  /** When it entered this state. */
  since: Date;
  /** Why it is not live; kept as the last error after it recovered. */
  error?: Error;
}

/** The most recent error a connection or subscription reported, with where and when. */
export interface BusLastError {
  /** Whether a connection or a subscription reported it. */
  source: 'connection' | 'subscription';
  /** The connection's name, or `<channel>/<group>` (`<kind> <channel>` for replay and respond). */
  name: string;
  /** The error itself. */
  error: Error;
  /** When it was reported. */
  at: Date;
}

/** `bus.health()`: for readiness probes. */
export interface BusHealth {
  /** The backend's name. */
  backend: string;
  /** True while the bus is open, every connection is ready and every subscription is live. */
  ok: boolean;
  /** True once `close()` was called. */
  closed: boolean;
  /** Every broker connection, where the backend reports them (RabbitMQ, Kafka); empty for memory. */
  connections: ConnectionStatus[];
  /** Every open subscription's status. */
  subscriptions: SubscriptionStatus[];
  /** The most recent error any connection or subscription reported, also after it recovered. */
  lastError?: BusLastError;
}

/**
 * What `bus.on(type, listener)` delivers. `subscription`: a subscription changed state (`failed`
 * means it cannot make progress until someone acts; `recovering`, `live`, `closed`).
 * `connection`: a broker connection was lost, recovered (`ready`) or closed. `returned`: the broker
 * confirmed a published message but could not route it to any queue (RabbitMQ).
 */
export interface BusEventMap {
  /** A subscription changed state; `failed` means it cannot make progress. */
  subscription: SubscriptionStatus;
  /** A broker connection was lost, became ready again, or closed. */
  connection: ConnectionStatus;
  /** The broker returned a published message no queue was bound for. */
  returned: ReturnedMessage;
}

/** What one capability ended up as on one channel. */
export interface ReportedCapability {
  /** What the channel declared. */
  required: Requirement;
  /** What the backend provides. */
  support: Support;
  /** The backend's sentence on how it is done, or why not. */
  detail: string;
  /** Numbers that bound it, from the backend's report. */
  limits?: Record<string, number | string | boolean>;
  /** A `'preferred'` capability the backend lacks: the channel runs without it. */
  degraded: boolean;
}

/** `bus.report()`: what was chosen, emulated and degraded. */
export interface BusReport {
  /** The backend's name. */
  backend: string;
  /** Per channel, what each declared capability became. */
  channels: Record<string, Partial<Record<CapabilityName, ReportedCapability>>>;
  /** Capabilities provided by emulation, with how. */
  emulated: ReportedEntry[];
  /** `'preferred'` capabilities the backend lacks: the channel runs without them. */
  degraded: ReportedEntry[];
  /** Per channel, as far as the backend reports it: broker names in use, settings, and mismatches found. */
  topology: Record<string, ChannelTopologyReport>;
}

/** One capability of one channel in {@link BusReport}. */
export interface ReportedEntry {
  /** The channel. */
  channel: string;
  /** The capability. */
  capability: CapabilityName;
  /** The backend's sentence about it. */
  detail: string;
}

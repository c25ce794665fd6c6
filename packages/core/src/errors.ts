/** Every stable error code Switchboard throws. Codes never change meaning once published. */
export const ERROR_CODES = {
  config: 'SB_CONFIG',
  capability: 'SB_CAPABILITY',
  schema: 'SB_SCHEMA',
  timeout: 'SB_TIMEOUT',
  closed: 'SB_CLOSED',
  connection: 'SB_CONNECTION',
  auth: 'SB_AUTH',
  messageTooLarge: 'SB_MESSAGE_TOO_LARGE',
  noResponder: 'SB_NO_RESPONDER',
  remote: 'SB_REMOTE',
  backend: 'SB_BACKEND',
  codec: 'SB_CODEC',
  deadLetter: 'SB_DEAD_LETTER',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const brand = Symbol.for('switchboard.error');

export interface SwitchboardErrorOptions {
  cause?: unknown;
  /** Whether repeating the same operation later can succeed (a broker restart) or not (bad input). */
  retriable?: boolean;
}

/** Base of every error Switchboard throws. Match on `code`, never on the message text. */
export class SwitchboardError extends Error {
  static readonly code: ErrorCode = ERROR_CODES.backend;
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly [brand] = true;

  constructor(message: string, options: SwitchboardErrorOptions & { code?: ErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? (new.target as typeof SwitchboardError).code;
    this.retriable = options.retriable ?? false;
  }

  /** True for any Switchboard error, even one created by another copy of the package. */
  static is(value: unknown): value is SwitchboardError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** Invalid configuration or channel declaration; the message names the field. */
export class ConfigError extends SwitchboardError {
  static override readonly code = ERROR_CODES.config;
}

export interface CapabilityProblem {
  channel: string;
  capability: string;
  required: true | 'native' | 'preferred';
  support: 'native' | 'emulated' | 'unsupported';
  reason: string;
  /** Backends whose report satisfies this requirement. */
  satisfiedBy: string[];
}

/** The backend cannot provide what a channel declared (or an undeclared feature was used). */
export class CapabilityError extends SwitchboardError {
  static override readonly code = ERROR_CODES.capability;
  readonly problems: CapabilityProblem[];
  constructor(message: string, problems: CapabilityProblem[] = [], options: SwitchboardErrorOptions = {}) {
    super(message, options);
    this.problems = problems;
  }
}

export interface SchemaIssue {
  path: (string | number)[];
  message: string;
}

/** A payload does not match the channel's schema. Nothing was sent. */
export class SchemaError extends SwitchboardError {
  static override readonly code = ERROR_CODES.schema;
  readonly issues: SchemaIssue[];
  constructor(message: string, issues: SchemaIssue[] = [], options: SwitchboardErrorOptions = {}) {
    super(message, options);
    this.issues = issues;
  }
}

/** An operation (request, drain, connect) did not finish in time. */
export class TimeoutError extends SwitchboardError {
  static override readonly code = ERROR_CODES.timeout;
}

/** The bus, channel or subscription was closed. */
export class ClosedError extends SwitchboardError {
  static override readonly code = ERROR_CODES.closed;
}

/** The broker could not be reached or the connection dropped. Usually retriable. */
export class ConnectionError extends SwitchboardError {
  static override readonly code = ERROR_CODES.connection;
  constructor(message: string, options: SwitchboardErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** The broker refused the credentials. Names the user and host, never the password. */
export class AuthError extends SwitchboardError {
  static override readonly code = ERROR_CODES.auth;
}

/** A message is larger than the broker (or the configured limit) accepts. */
export class MessageTooLargeError extends SwitchboardError {
  static override readonly code = ERROR_CODES.messageTooLarge;
  readonly limitBytes: number;
  readonly sizeBytes: number;
  constructor(message: string, sizeBytes: number, limitBytes: number, options: SwitchboardErrorOptions = {}) {
    super(message, options);
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

/** A request found nobody to answer it (the broker returned it unroutable). */
export class NoResponderError extends SwitchboardError {
  static override readonly code = ERROR_CODES.noResponder;
}

/** The responder's handler threw; its message is carried back to the requester. */
export class RemoteError extends SwitchboardError {
  static override readonly code = ERROR_CODES.remote;
}

/**
 * A payload could not be encoded with the channel's codec (nothing was sent), or a received body
 * could not be decoded (the message is dead-lettered with its original bytes).
 */
export class CodecError extends SwitchboardError {
  static override readonly code = ERROR_CODES.codec;
}

/**
 * Throw from a handler to dead-letter the message now, skipping the remaining attempts: for
 * failures that no retry can fix (an unknown customer, a cancelled order). The message becomes
 * the dead letter's error; on a `<channel>.dead` channel the message is discarded instead.
 */
export class DeadLetterError extends SwitchboardError {
  static override readonly code = ERROR_CODES.deadLetter;
}

/** Removes `user:password@` from anything URL-like so errors and logs never carry credentials. */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^@/\s]*)@/gi, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0];
    return `${scheme}${user ? `${user}:***` : '***'}@`;
  });
}

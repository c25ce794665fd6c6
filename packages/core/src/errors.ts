/** Every stable error code Switchboard throws. Codes never change meaning once published. */
export const ERROR_CODES = {
  /** {@link ConfigError}: invalid options or declarations. */
  config: 'SB_CONFIG',
  /** {@link CapabilityError}: the backend lacks a declared capability. */
  capability: 'SB_CAPABILITY',
  /** {@link SchemaError}: a payload fails its channel's schema. */
  schema: 'SB_SCHEMA',
  /** {@link TimeoutError}: an operation did not finish in time. */
  timeout: 'SB_TIMEOUT',
  /** {@link ClosedError}: use after `close()`. */
  closed: 'SB_CLOSED',
  /** {@link ConnectionError}: the broker is unreachable or the connection dropped. */
  connection: 'SB_CONNECTION',
  /** {@link AuthError}: the broker refused the credentials. */
  auth: 'SB_AUTH',
  /** {@link MessageTooLargeError}: over the broker's message size limit. */
  messageTooLarge: 'SB_MESSAGE_TOO_LARGE',
  /** {@link NoResponderError}: a request nobody can receive. */
  noResponder: 'SB_NO_RESPONDER',
  /** {@link RemoteError}: the responder's handler threw. */
  remote: 'SB_REMOTE',
  /** Plain {@link SwitchboardError}: a broker error with no more specific class. */
  backend: 'SB_BACKEND',
  /** {@link CodecError}: a payload the channel's codec cannot encode, or a body it cannot decode. */
  codec: 'SB_CODEC',
  /** {@link DeadLetterError}: a handler asked to dead-letter now. */
  deadLetter: 'SB_DEAD_LETTER',
} as const;

/** One of the stable codes in {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Own property of every Switchboard error, whichever copy of core created it. */
const brand = Symbol.for('switchboard.error');
/**
 * Static own property of each error class core defines (never of a subclass an application
 * writes): the class's code, which names the class the same way in every copy of core.
 */
const classBrand = Symbol.for('switchboard.error.class');

function classCode(value: unknown): string | undefined {
  return typeof value === 'function' && Object.hasOwn(value, classBrand) ? (value as unknown as Record<symbol, string>)[classBrand] : undefined;
}

/** Marks a class core defines; called from each class's static block. */
function brandClass(target: { readonly code: ErrorCode }): void {
  Object.defineProperty(target, classBrand, { value: target.code });
}

const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/** Options every Switchboard error constructor takes. */
export interface SwitchboardErrorOptions {
  /** The underlying error (a broker client's, a ZodError), kept as `error.cause`. */
  cause?: unknown;
  /** Whether repeating the same operation later can succeed (a broker restart) or not (bad input). */
  retriable?: boolean;
}

/** Base of every error Switchboard throws. Match on `code`, never on the message text. */
export class SwitchboardError extends Error {
  /** The code every instance of this class carries. */
  static readonly code: ErrorCode = ERROR_CODES.backend;
  /** Stable code (`SB_*`) to match on. */
  readonly code: ErrorCode;
  /** Whether repeating the operation later can succeed (a broker restart) or not (bad input). */
  readonly retriable: boolean;
  /** Marks Switchboard errors across copies of core; see {@link SwitchboardError.is}. @internal */
  readonly [brand] = true;

  constructor(message: string, options: SwitchboardErrorOptions & { code?: ErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? (new.target as typeof SwitchboardError).code;
    this.retriable = options.retriable ?? false;
  }

  static {
    brandClass(this);
  }

  /** True for any Switchboard error, even one created by another copy of the package. */
  static is(value: unknown): value is SwitchboardError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /**
   * `instanceof` that holds across copies of core: a CommonJS application gets the CommonJS copy,
   * while the backend it loads by URL imports the ESM one, and each copy has its own classes. An
   * error from another copy is an instance of a class core defines when its prototype chain holds
   * that copy's class of the same code; everything else (including subclasses an application
   * defines) keeps the ordinary prototype check.
   */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (ordinaryInstanceOf.call(this, value)) return true;
    const wanted = classCode(this);
    if (wanted === undefined || !SwitchboardError.is(value)) return false;
    for (let proto: unknown = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto as object, 'constructor') && classCode((proto as { constructor: unknown }).constructor) === wanted) return true;
    }
    return false;
  }
}

/** Invalid configuration or channel declaration; the message names the field. */
export class ConfigError extends SwitchboardError {
  static override readonly code = ERROR_CODES.config;
  static {
    brandClass(this);
  }
}

/** One unmet requirement of one channel. */
export interface CapabilityProblem {
  /** The channel that declared it. */
  channel: string;
  /** The capability, e.g. `priority`. */
  capability: string;
  /** What the channel required. */
  required: true | 'native' | 'preferred';
  /** What the backend reports for it on this channel. */
  support: 'native' | 'emulated' | 'unsupported';
  /** The backend's own sentence on why (its report's `detail`). */
  reason: string;
  /** Backends whose report satisfies this requirement. */
  satisfiedBy: string[];
}

/** The backend cannot provide what a channel declared (or an undeclared feature was used). */
export class CapabilityError extends SwitchboardError {
  static override readonly code = ERROR_CODES.capability;
  static {
    brandClass(this);
  }
  /** Every unmet requirement on every channel, not only the first. */
  readonly problems: CapabilityProblem[];
  constructor(message: string, problems: CapabilityProblem[] = [], options: SwitchboardErrorOptions = {}) {
    super(message, options);
    this.problems = problems;
  }
}

/** One validation failure of a payload. */
export interface SchemaIssue {
  /** Where in the payload, e.g. `['items', 0, 'sku']`. */
  path: (string | number)[];
  /** What is wrong there. */
  message: string;
}

/** A payload does not match the channel's schema. Nothing was sent. */
export class SchemaError extends SwitchboardError {
  static override readonly code = ERROR_CODES.schema;
  static {
    brandClass(this);
  }
  /** Every validation failure, from the schema. */
  readonly issues: SchemaIssue[];
  constructor(message: string, issues: SchemaIssue[] = [], options: SwitchboardErrorOptions = {}) {
    super(message, options);
    this.issues = issues;
  }
}

/** An operation (request, publish, connect) did not finish in time. Retriable: the same call may succeed later. */
export class TimeoutError extends SwitchboardError {
  static override readonly code = ERROR_CODES.timeout;
  static {
    brandClass(this);
  }
  constructor(message: string, options: SwitchboardErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** The bus, channel or subscription was closed. */
export class ClosedError extends SwitchboardError {
  static override readonly code = ERROR_CODES.closed;
  static {
    brandClass(this);
  }
}

/** The broker could not be reached or the connection dropped. Usually retriable. */
export class ConnectionError extends SwitchboardError {
  static override readonly code = ERROR_CODES.connection;
  static {
    brandClass(this);
  }
  constructor(message: string, options: SwitchboardErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** The broker refused the credentials. Names the user and host, never the password. */
export class AuthError extends SwitchboardError {
  static override readonly code = ERROR_CODES.auth;
  static {
    brandClass(this);
  }
}

/** A message is larger than the broker (or the configured limit) accepts. */
export class MessageTooLargeError extends SwitchboardError {
  static override readonly code = ERROR_CODES.messageTooLarge;
  static {
    brandClass(this);
  }
  /** The limit the message exceeded. */
  readonly limitBytes: number;
  /** The message's size (body plus headers). */
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
  static {
    brandClass(this);
  }
}

/** The responder's handler threw; its message is carried back to the requester. */
export class RemoteError extends SwitchboardError {
  static override readonly code = ERROR_CODES.remote;
  static {
    brandClass(this);
  }
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

/**
 * Removes `user:password@` from anything URL-like so errors and logs never carry credentials. The
 * userinfo runs to the last `@` of the URL, so an unencoded `@` or `/` in a password is hidden too.
 */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)(\S*)@/gi, (_m, scheme: string, userinfo: string) => {
    const user = /^[^:/@]*/.exec(userinfo)?.[0];
    return `${scheme}${user ? `${user}:***` : '***'}@`;
  });
}

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
} as const;

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
  static {
    brandClass(this);
  }
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
  static {
    brandClass(this);
  }
  readonly issues: SchemaIssue[];
  constructor(message: string, issues: SchemaIssue[] = [], options: SwitchboardErrorOptions = {}) {
    super(message, options);
    this.issues = issues;
  }
}

/** An operation (request, drain, connect) did not finish in time. */
export class TimeoutError extends SwitchboardError {
  static override readonly code = ERROR_CODES.timeout;
  static {
    brandClass(this);
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

/** Removes `user:password@` from anything URL-like so errors and logs never carry credentials. */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^@/\s]*)@/gi, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0];
    return `${scheme}${user ? `${user}:***` : '***'}@`;
  });
}

import { AuthError, ConfigError, ConnectionError, MessageTooLargeError, SwitchboardError } from '@switchboard/core';

/** What an error translation knows about where the error happened. */
export interface ErrorContext {
  /** `user@host:port/vhost`, never the password. */
  endpoint: string;
  /** The operation, e.g. `declaring queue orders:billing`. */
  operation?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Node's certificate-verification and TLS protocol errors: fixing them takes configuration, not time. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

function textOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** amqplib puts the AMQP reply code on `code` for channel/connection closes and the errno string for sockets. */
function codeOf(error: unknown): string | number | undefined {
  return (error as { code?: string | number } | null)?.code;
}

/** True for errors that mean "the connection or channel went away": repeat on a new one. */
export function isConnectionLoss(error: unknown): boolean {
  if (SwitchboardError.is(error)) return error.code === ConnectionError.code;
  const code = codeOf(error);
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // AMQP reply codes: 320 connection-forced (broker stopping), 5xx framing/internal; 4xx are the caller's fault.
  if (typeof code === 'number') return code === 320 || code >= 500;
  // amqplib raises these without a code; its wording is the only signal at this boundary.
  const text = textOf(error);
  return (error as Error | null)?.name === 'IllegalOperationError' || /channel (closed|ended)|connection (closed|ended)|socket closed|ETIMEDOUT|heartbeat/i.test(text);
}

/**
 * How to delete a queue or exchange by hand. RabbitMQ 3.x's rabbitmqctl has `delete_queue` but no
 * exchange command: exchanges go through the management plugin (rabbitmqadmin, the UI) or `eval`.
 */
function deleteHint(kind: 'queue' | 'exchange', name: string, vhost: string): string {
  const p = vhost === '/' ? '' : ` -p '${vhost}'`;
  if (kind === 'queue') return `delete the queue, dropping its messages (rabbitmqctl delete_queue${p} '${name}')`;
  return (
    `delete the exchange (rabbitmqadmin${vhost === '/' ? '' : ` -V '${vhost}'`} delete exchange name='${name}' or the management UI, with the management plugin; ` +
    `or rabbitmqctl eval 'rabbit_exchange:delete(rabbit_misc:r(<<"${vhost}">>, exchange, <<"${name}">>), false, <<"cli">>).')`
  );
}

/** Converts an amqplib / socket error into Switchboard's typed errors. Never includes a password. */
export function translateRabbitError(error: unknown, ctx: ErrorContext): SwitchboardError {
  if (SwitchboardError.is(error)) return error;
  const text = textOf(error);
  const code = codeOf(error);
  const where = ctx.operation === undefined ? `RabbitMQ at ${ctx.endpoint}` : `${ctx.operation} on RabbitMQ at ${ctx.endpoint}`;
  const user = ctx.endpoint.split('@')[0];

  if (/ACCESS[-_]REFUSED/.test(text) && /Login was refused|Handshake terminated/i.test(text)) {
    return new AuthError(`RabbitMQ at ${ctx.endpoint} refused the login of user "${user}" (ACCESS_REFUSED): check the user name and password in the url`, { cause: error });
  }
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(text)) {
    return new AuthError(
      `RabbitMQ at ${ctx.endpoint} refused to open the vhost for user "${user}": the vhost does not exist or the user has no permissions on it (rabbitmqctl list_permissions -p <vhost>)`,
      { cause: error },
    );
  }
  if (code === 403 || /ACCESS[-_]REFUSED/.test(text)) {
    return new AuthError(`${where} was refused: user "${user}" lacks the permission (${text.replace(/^.*ACCESS_REFUSED - /, '')})`, { cause: error });
  }
  const size = /message size (\d+) is larger than configured max size (\d+)/.exec(text);
  if (size !== null) {
    const [, actual = '0', limit = '0'] = size;
    return new BrokerSizeLimitError(
      `RabbitMQ at ${ctx.endpoint} refused a ${actual}-byte message: its max_message_size is ${limit} bytes; send a reference instead of the payload, or raise max_message_size and the maxMessageBytes option`,
      Number(actual),
      Number(limit),
      { cause: error },
    );
  }
  if (error instanceof RangeError && /field table/.test(text)) {
    return new MessageTooLargeError(`${where} failed: the message headers do not fit in one AMQP frame (${text}); move large values from headers into the body`, 0, 0, { cause: error });
  }
  const inequivalent = /inequivalent arg '([^']+)' for (queue|exchange) '([^']+)' in vhost '([^']*)': received (.*) but current is (.*)"?$/.exec(text);
  if (inequivalent !== null) {
    const [, arg, kind, name = '', vhost = '/', received, current] = inequivalent;
    if (arg === 'x-queue-type') return queueTypeMismatch(name, vhost, String(received), String(current), error);
    return new ConfigError(
      `RabbitMQ ${kind} "${name}" already exists with ${arg} = ${String(current).replace(/"$/, '')}, but this channel declares ${received}: ` +
        `${deleteHint(kind as 'queue' | 'exchange', name, vhost)}, change the channel declaration to match, ` +
        'or map the existing one as it is (options.rabbitmq, declare: false)',
      { cause: error },
    );
  }
  if (code === 406 || code === 404 || code === 405) {
    return new ConfigError(`${where} failed: ${text}`, { cause: error });
  }
  if (typeof code === 'string' && TLS_CODE.test(code)) {
    return new ConfigError(
      `TLS handshake with RabbitMQ at ${ctx.endpoint} failed (${code}: ${text}): pass the broker's CA as options.tls.ca, or fix the certificate's host name`,
      { cause: error },
    );
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return new ConnectionError(`Cannot reach RabbitMQ at ${ctx.endpoint}: ${code}; is the broker running and the url right?`, { cause: error });
  }
  if (isConnectionLoss(error)) {
    return new ConnectionError(`${where} failed: the connection to RabbitMQ was lost (${text}); it is retried automatically`, { cause: error });
  }
  return new SwitchboardError(`${where} failed: ${text}`, { cause: error });
}

/** `none` (classic by default), `'quorum'`, `the value 'quorum' of type 'longstr'` → the queue type. */
function queueTypeOf(text: string): string {
  return /'([^']+)'/.exec(text)?.[1] ?? 'classic';
}

/**
 * A queue Switchboard declares exists with another type: most often a classic queue from before
 * durable channels defaulted to quorum queues. Its type cannot change in place.
 */
function queueTypeMismatch(name: string, vhost: string, received: string, current: string, cause: unknown): ConfigError {
  const existing = queueTypeOf(current);
  const wanted = queueTypeOf(received);
  return new ConfigError(
    `RabbitMQ queue "${name}" already exists as a ${existing} queue, but this channel declares it as a ${wanted} queue (a channel that declares durable gets quorum queues unless it sets queueType), ` +
      `and a queue's type cannot change: set queueType: '${existing}' in the channel's options to keep using it, ` +
      `or drain it (map the group onto it with options.rabbitmq, declare: false) and ${deleteHint('queue', name, vhost)}`,
    { cause },
  );
}

/**
 * The broker's own `max_message_size` refused a message: the one size refusal that says what the
 * broker accepts (a header table over AMQP's frame limit says nothing about it).
 */
export class BrokerSizeLimitError extends MessageTooLargeError {}

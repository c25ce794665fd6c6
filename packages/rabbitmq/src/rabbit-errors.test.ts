import { describe, expect, it } from 'vitest';
import { AuthError, ConfigError, ConnectionError, MessageTooLargeError, SwitchboardError } from '@switchboard/core';
import { isConnectionLoss, translateRabbitError } from './rabbit-errors.js';

const ctx = { endpoint: 'app@rabbit:5672', operation: 'declaring queue "orders:billing"' };
const amqp = (code: number | string, message: string): Error => Object.assign(new Error(message), { code });

describe('translateRabbitError', () => {
  it.each([
    [new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN."'), AuthError, /app@rabbit:5672 refused the login of user "app"/],
    [new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'), AuthError, /vhost/],
    [amqp(403, 'Operation failed: QueueDeclare; 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to queue denied"'), AuthError, /permission/],
    [
      amqp(406, `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'orders:billing' in vhost '/': received '7' but current is '5'"`),
      ConfigError,
      /queue "orders:billing" already exists with x-max-priority = '5', but this channel declares '7'/,
    ],
    [
      amqp(406, `Operation failed: ExchangeDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'orders' in vhost '/': received 'fanout' but current is 'topic'"`),
      ConfigError,
      /exchange "orders" already exists with type = 'topic', but this channel declares 'fanout': delete the exchange \(rabbitmqadmin delete exchange name='orders' .*rabbitmqctl eval 'rabbit_exchange:delete\(rabbit_misc:r\(<<"\/">>, exchange, <<"orders">>\), false, <<"cli">>\)\.'\).*declare: false/,
    ],
    [
      amqp(406, `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'orders:billing' in vhost 'shop': received 'true' but current is 'false'"`),
      ConfigError,
      /rabbitmqctl delete_queue -p 'shop' 'orders:billing'/,
    ],
    [amqp(406, 'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 2097152 is larger than configured max size 1048576"'), MessageTooLargeError, /max_message_size is 1048576/],
    [new RangeError('Encoded field table (headers or arguments) exceeds the 65536 byte encoding buffer'), MessageTooLargeError, /headers/],
    [amqp('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5672'), ConnectionError, /Cannot reach RabbitMQ at app@rabbit:5672: ECONNREFUSED/],
    [amqp(320, 'Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - broker forced connection closure with reason \'shutdown\'"'), ConnectionError, /lost/],
    [amqp(404, 'Operation failed: QueueBind; 404 (NOT-FOUND) with message "NOT_FOUND - no exchange \'x\' in vhost \'/\'"'), ConfigError, /NOT_FOUND/],
  ])('%s', (error, type, message) => {
    const translated = translateRabbitError(error, ctx);
    expect(translated).toBeInstanceOf(type);
    expect(translated.message).toMatch(message);
    expect(translated.cause).toBe(error);
    expect(translated.retriable).toBe(type === ConnectionError);
    // RabbitMQ 3.x's rabbitmqctl has no such command.
    expect(translated.message).not.toContain('delete_exchange');
  });

  it('passes Switchboard errors through and wraps the rest as SB_BACKEND', () => {
    const own = new ConfigError('x');
    expect(translateRabbitError(own, ctx)).toBe(own);
    expect(translateRabbitError(new Error('weird'), ctx)).toMatchObject({ code: 'SB_BACKEND', message: expect.stringContaining('weird') });
    expect(SwitchboardError.is(translateRabbitError('text', ctx))).toBe(true);
  });
});

describe('queue type mismatch', () => {
  it('says how to keep a classic queue that a durable channel would now declare as quorum', () => {
    const error = amqp(
      406,
      'Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg \'x-queue-type\' for queue \'orders:billing\' in vhost \'/\': received the value \'quorum\' of type \'longstr\' but current is none"',
    );
    const translated = translateRabbitError(error, ctx);
    expect(translated).toBeInstanceOf(ConfigError);
    expect(translated.message).toContain('"orders:billing" already exists as a classic queue, but this channel declares it as a quorum queue');
    expect(translated.message).toContain("set queueType: 'classic' in the channel's options to keep using it");
    expect(translated.message).toContain("rabbitmqctl delete_queue 'orders:billing'");
  });
});

describe('isConnectionLoss', () => {
  it('tells a lost channel or connection from a refused operation', () => {
    expect(isConnectionLoss(new Error('channel closed'))).toBe(true);
    expect(isConnectionLoss(amqp('ECONNRESET', 'read ECONNRESET'))).toBe(true);
    expect(isConnectionLoss(amqp(320, 'CONNECTION_FORCED'))).toBe(true);
    expect(isConnectionLoss(amqp(406, 'Channel closed by server: 406 (PRECONDITION-FAILED)'))).toBe(false);
    expect(isConnectionLoss(amqp(404, 'NOT_FOUND'))).toBe(false);
  });
});

// The Logger port with the loggers applications use, as the real libraries: nothing Switchboard
// logs loses its fields (pino and bunyan take (fields, message); console and winston the other way
// round), and no payload or credential reaches any of them.
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import bunyan from 'bunyan';
import { pino } from 'pino';
import winston from 'winston';
import { connect, type Logger, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { describe, expect, it } from 'vitest';

/** A stream that keeps what was written, one entry per write. */
function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, lines };
}

const SECRET_PAYLOAD = 'payload-marker-7f3a';

/**
 * Drives a real bus into logging with fields: a bus.on() listener that throws (warn with the
 * error), and a handler that fails a message carrying a marker until it is dead-lettered.
 */
async function exercise(logger: Logger): Promise<void> {
  const bus = await connect({ url: `memory://loggers-${Math.random()}`, logger, channels: { jobs: { groups: ['w'] } } });
  bus.on('subscription', () => {
    throw new Error('listener-broke');
  });
  let failures = 0;
  const sub = await (bus.channel('jobs') as unknown as { subscribe(g: string, h: (m: Message) => void, o: object): Promise<{ close(): Promise<void> }> }).subscribe(
    'w',
    () => {
      failures++;
      throw new Error('handler refused');
    },
    { retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } },
  );
  await (bus.channel('jobs') as unknown as { publish(p: unknown): Promise<void> }).publish({ secret: SECRET_PAYLOAD });
  await waitFor(() => failures === 2, { message: 'two failed attempts' });
  await sub.close();
  await bus.close();
}

const expectFieldsKept = (lines: string[]): void => {
  const warning = lines.find((line) => line.includes('listener threw'));
  expect(warning, lines.join('\n')).toBeDefined();
  expect(warning).toContain('listener-broke');
  expect(lines.join('\n')).not.toContain(SECRET_PAYLOAD);
};

describe('loggers', () => {
  it('pino: fields arrive as fields', async () => {
    const { stream, lines } = sink();
    await exercise(pino({ level: 'debug' }, stream));
    expectFieldsKept(lines);
    const warning = JSON.parse(lines.find((line) => line.includes('listener threw')) as string) as Record<string, unknown>;
    expect(warning).toMatchObject({ level: 40, error: 'listener-broke' });
    expect(String(warning['msg'])).toContain('listener threw');
  });

  it('bunyan: fields arrive as fields', async () => {
    const { stream, lines } = sink();
    await exercise(bunyan.createLogger({ name: 'app', level: 'debug', streams: [{ stream }] }));
    expectFieldsKept(lines);
    const warning = JSON.parse(lines.find((line) => line.includes('listener threw')) as string) as Record<string, unknown>;
    expect(warning).toMatchObject({ level: 40, error: 'listener-broke' });
  });

  it('winston: fields arrive as metadata', async () => {
    const { stream, lines } = sink();
    await exercise(winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }));
    expectFieldsKept(lines);
    const warning = JSON.parse(lines.find((line) => line.includes('listener threw')) as string) as Record<string, unknown>;
    expect(warning).toMatchObject({ level: 'warn', error: 'listener-broke' });
  });

  it('console: the message and its fields are printed', async () => {
    const { stream, lines } = sink();
    await exercise(new Console({ stdout: stream, stderr: stream }));
    expectFieldsKept(lines);
  });

  it('a logger without debug (or warn) still works: the nearest level takes it', async () => {
    const seen: string[] = [];
    // As a JavaScript caller may pass it: only info and error.
    const partial = { info: (m: string) => void seen.push(`info ${m}`), error: (m: string, f?: object) => void seen.push(`error ${m} ${JSON.stringify(f)}`) };
    await exercise(partial as unknown as Logger);
    expect(seen.some((line) => line.startsWith('error') && line.includes('listener-broke'))).toBe(true);
  });
});

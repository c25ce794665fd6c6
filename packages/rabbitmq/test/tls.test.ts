import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, connect } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { brokerSkipReason, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();

/**
 * amqps:// against a TLS terminator in front of the local broker (a self-signed certificate made
 * with openssl), so the TLS options really travel to `tls.connect` without reconfiguring RabbitMQ.
 */
describe.skipIf(skip !== undefined)(`amqps:// with TLS options${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  let dir: string;
  let server: Server;
  let port: number;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (secure) => {
      const plain = tcpConnect({ host: '127.0.0.1', port: 5672 });
      secure.pipe(plain).pipe(secure);
      secure.on('error', () => plain.destroy());
      plain.on('error', () => secure.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects, publishes and consumes with the CA passed as options.tls.ca', async () => {
    const channel = unique('tls');
    const bus = await connect({ url: `amqps://guest:guest@localhost:${port}`, channels: { [channel]: {} }, options: { tls: { ca: [ca] } } });
    try {
      const got: unknown[] = [];
      await bus.channel(channel).subscribe('g', (m) => void got.push(m.payload));
      await bus.channel(channel).publish('over TLS');
      await waitFor(() => got.includes('over TLS'));
    } finally {
      await bus.close();
    }
  });

  it('an untrusted certificate is a ConfigError that says how to fix it', async () => {
    const error = await connect({ url: `amqps://guest:secret@localhost:${port}` }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/options\.tls\.ca/);
    expect((error as Error).message).not.toContain('secret');
  });
});

import { connect as tcpConnect } from 'node:net';

/**
 * Checks whether the first host of a broker URL accepts TCP connections. Resolves `undefined`
 * when reachable, or a reason to show when skipping (never includes credentials).
 */
export async function unreachableReason(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  const parsed = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/?,]+)/i.exec(url);
  if (parsed === null) return undefined;
  const hostPort = parsed[1] as string;
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  const defaultPort = scheme === 'kafka' ? 9092 : scheme === 'amqps' ? 5671 : 5672;
  const ipv6 = /^\[(.*)\](?::(\d+))?$/.exec(hostPort);
  const host = ipv6 ? (ipv6[1] as string) : (hostPort.split(':')[0] as string);
  const port = Number((ipv6 ? ipv6[2] : hostPort.split(':')[1]) ?? defaultPort);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`${host}:${port} did not answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(`${host}:${port} unreachable (${(error as NodeJS.ErrnoException).code ?? error.message})`));
  });
}

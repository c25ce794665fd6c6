import { randomUUID } from 'node:crypto';
import type { WireMessage } from '@switchboard/core';

/** A message as a producer that is not Switchboard writes it: these headers and this body, nothing else. */
export function rawWire(body: string | Buffer, headers: Record<string, string> = {}, extra: Partial<WireMessage> = {}): WireMessage {
  return { body: typeof body === 'string' ? Buffer.from(body) : body, headers, id: randomUUID(), timestamp: Date.now(), ...extra };
}

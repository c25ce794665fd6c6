import { randomFillSync } from 'node:crypto';

/** UUIDs made per refill: one `randomFillSync` and one string for all of them. */
const BATCH = 256;
const UUID_LENGTH = 36;
const random = Buffer.allocUnsafe(16 * BATCH);
const text = Buffer.allocUnsafe(UUID_LENGTH * BATCH);
/** ASCII codes of the two hex digits of every byte value. */
const HEX = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  const digits = byte.toString(16).padStart(2, '0');
  HEX[2 * byte] = digits.charCodeAt(0);
  HEX[2 * byte + 1] = digits.charCodeAt(1);
}
let ids: string[] = [];
let next = BATCH;

/** Writes the hex digits of `count` random bytes from `from` at `out`; returns the next offset. */
function hex(from: number, count: number, out: number): number {
  for (let i = from; i < from + count; i++) {
    const byte = random[i] as number;
    text[out++] = HEX[2 * byte] as number;
    text[out++] = HEX[2 * byte + 1] as number;
  }
  return out;
}

function refill(): void {
  randomFillSync(random);
  let out = 0;
  for (let uuid = 0; uuid < BATCH; uuid++) {
    const at = uuid * 16;
    // RFC 9562 version 4 (random) and variant 10xx, as crypto.randomUUID() writes them.
    random[at + 6] = ((random[at + 6] as number) & 0x0f) | 0x40;
    random[at + 8] = ((random[at + 8] as number) & 0x3f) | 0x80;
    // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: hex digits of bytes 0-3, 4-5, 6-7, 8-9, 10-15.
    out = hex(at, 4, out);
    text[out++] = 45;
    out = hex(at + 4, 2, out);
    text[out++] = 45;
    out = hex(at + 6, 2, out);
    text[out++] = 45;
    out = hex(at + 8, 2, out);
    text[out++] = 45;
    out = hex(at + 10, 6, out);
  }
  const all = text.toString('latin1', 0, UUID_LENGTH * BATCH);
  ids = new Array<string>(BATCH);
  for (let uuid = 0; uuid < BATCH; uuid++) ids[uuid] = all.slice(uuid * UUID_LENGTH, (uuid + 1) * UUID_LENGTH);
  next = 0;
}

/**
 * A random (version 4) UUID, like `crypto.randomUUID()`, made 256 at a time from one buffer of
 * random bytes. `randomUUID()` builds each id from some twenty short string concatenations; per
 * published message that garbage was a sixth of everything the memory benchmark allocated.
 */
export function newMessageId(): string {
  if (next === BATCH) refill();
  return ids[next++] as string;
}

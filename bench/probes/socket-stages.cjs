// Diagnostic probe for one latency run (not used by `pnpm bench`): times where a benchmark
// payload is on its way, from the bytes on the process's own sockets, the same way for the raw
// client (A) and Switchboard (B), whatever the broker:
//   NODE_OPTIONS="--require ./bench/probes/socket-stages.cjs" node bench/worker.mjs '<job json>'
// - created → written: from makePayload() to the socket write that carries it (the publish path);
// - created → read: to the socket read that brings it back from the broker (plus the broker);
// the scenario's own p50 (created → handler) minus "read" is the consume path.
// Prints one line to stderr at exit. A payload is found by its 'x' filler (bench/lib/payload.mjs):
// bytes 0-3 hold its sequence number, 4-11 performance.now() at creation, 12-1023 'x'.
const net = require('node:net');
const { monitorEventLoopDelay } = require('node:perf_hooks');

// How late the event loop runs its timers (1 ms resolution), over the whole process: a loop busy
// when a response arrives shows here as well as in the stages.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

const FILLER = Buffer.alloc(64, 'x');
const written = new Map();
const read = new Map();

/** Sequence numbers and creation times of the benchmark payloads in `chunk`. */
function payloadsIn(chunk, now) {
  const found = [];
  if (!Buffer.isBuffer(chunk) || chunk.length < 1024) return found;
  let from = 0;
  for (;;) {
    const at = chunk.indexOf(FILLER, from);
    if (at < 12) {
      if (at === -1) return found;
      from = at + 1;
      continue;
    }
    const start = at - 12;
    const seq = chunk.readInt32LE(start);
    const created = chunk.readDoubleLE(start + 4);
    // A real payload's creation time is a recent performance.now() reading.
    if (seq >= 0 && created > 0 && created <= now && now - created < 60_000) found.push([seq, created]);
    from = at + 1012;
  }
}

function note(map, chunk) {
  const now = performance.now();
  for (const [seq, created] of payloadsIn(chunk, now)) if (!map.has(seq)) map.set(seq, now - created);
}

// The socket a payload was written on answers it (the produce acknowledgement, the publisher confirm):
// how long from that write to the socket's next read.
const answered = [];
const awaiting = new WeakMap();
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (chunk, ...rest) {
  const size = written.size;
  note(written, chunk);
  if (written.size > size) awaiting.set(this, performance.now());
  return write.call(this, chunk, ...rest);
};
const writev = net.Socket.prototype._writev;
if (typeof writev === 'function') {
  net.Socket.prototype._writev = function (chunks, callback) {
    for (const { chunk } of chunks) note(written, chunk);
    return writev.call(this, chunks, callback);
  };
}
// For each payload read: how long before it the last read on another socket happened (within 2 ms),
// i.e. what the process was doing (decoding and handling that other response) before it got here.
const before = [];
let lastRead = { at: 0, socket: undefined };
const emit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function (event, chunk, ...rest) {
  if (event === 'data') {
    const now = performance.now();
    const sentAt = awaiting.get(this);
    if (sentAt !== undefined) {
      answered.push(now - sentAt);
      awaiting.delete(this);
    }
    const size = read.size;
    note(read, chunk);
    if (read.size > size && lastRead.socket !== this && now - lastRead.at < 2) before.push(now - lastRead.at);
    lastRead = { at: now, socket: this };
  }
  return emit.call(this, event, chunk, ...rest);
};

const p50 = (values) => {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  return `${Math.round(sorted[Math.floor((sorted.length - 1) / 2)] * 1000)} µs`;
};
process.on('exit', () => {
  console.error(`socket stages (p50 over ${written.size} written, ${read.size} read): created → written ${p50([...written.values()])}, created → read ${p50([...read.values()])}; ` +
      `another socket's read ${p50(before)} before the payload's (${before.length} of ${read.size} reads had one within 2 ms); ` +
      `written → that socket's next read ${p50(answered)}; ` +
      `event-loop delay p50 ${Math.round(loopDelay.percentile(50) / 1000)} µs, p99 ${Math.round(loopDelay.percentile(99) / 1000)} µs, max ${Math.round(loopDelay.max / 1000)} µs (over a 1 ms timer)`);
});

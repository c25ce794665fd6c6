import { redactUrl, type Message } from '@switchboard/core';
import { connectOrderDesk } from './bus.js';
import type { Order } from './schemas.js';

const PRICES: Record<string, number> = { 'WIDGET-1': 4.5, 'GADGET-7': 12, 'GIZMO-3': 30 };
const url = process.env['BUS_URL'] ?? 'memory://';
const started = Date.now();
const run = new Date(started).toISOString();

const bus = await connectOrderDesk(url);
console.log(`order-desk on ${bus.backend} (${redactUrl(url)})`);

// Pricing service: answers quotes over request/reply.
await bus.channel('pricing').respond(async ({ payload }) => {
  const unit = PRICES[payload.sku];
  if (unit === undefined) throw new Error(`no price for ${payload.sku}`);
  return { sku: payload.sku, total: unit * payload.quantity };
});

// Ops watches the dead-letter channel, typed from the `orders` declaration: `valid` letters carry
// the order as the fulfilment handler saw it; the others (undecodable, invalid) their raw bytes.
const deadLetters: string[] = [];
await bus.channel('orders.dead').subscribe('ops', (letter) => {
  const what = letter.valid ? letter.payload.id : `${letter.deadLetter.body.length} unreadable bytes`;
  deadLetters.push(`${what}: ${letter.deadLetter.error} after ${letter.deadLetter.attempts} attempts`);
});

// The backlog arrives before the workers start: VIP orders carry a higher priority.
const orders: Order[] = Array.from({ length: 24 }, (_, i) => ({
  id: `o-${String(i + 1).padStart(2, '0')}`,
  customer: `cust-${i % 5}`,
  sku: ['WIDGET-1', 'GADGET-7', 'GIZMO-3'][i % 3] as string,
  quantity: 1 + (i % 4),
  vip: i % 8 === 7,
}));
orders.push({ id: 'o-poison', customer: 'cust-x', sku: 'UNOBTAINIUM', quantity: 1, vip: false });
await Promise.all(orders.map((order) => bus.channel('orders').publish(order, { key: order.customer, priority: order.vip ? 9 : 1 })));

// Fulfilment workers: price each order, then append it to the order log.
const handledOrder: string[] = [];
const fulfilment = await bus.channel('orders').subscribe(
  'fulfilment',
  async ({ payload: order }: Message<Order>) => {
    const quote = await bus.channel('pricing').request({ sku: order.sku, quantity: order.quantity }, { timeoutMs: 5_000 });
    await bus.channel('order-log').publish({ run, orderId: order.id, total: quote.total, handledBy: 'fulfilment' }, { key: order.id });
    handledOrder.push(order.vip ? `${order.id}*` : order.id);
  },
  { concurrency: 2, retry: { maxAttempts: 3, initialDelayMs: 50 } },
);

await until(() => handledOrder.length === orders.length - 1 && deadLetters.length === 1, 30_000);
await fulfilment.close();

// Audit: read the whole order log again from the start (on a durable broker, earlier runs too).
const audited: string[] = [];
let history = 0;
const audit = await bus.channel('order-log').replay({ from: 'earliest' }, ({ payload }) => {
  if (payload.run === run) audited.push(payload.orderId);
  else history++;
});
await until(() => audited.length >= handledOrder.length, 30_000);
await audit.close();

const report = bus.report();
const list = (items: { channel: string; capability: string }[]) => items.map((i) => `${i.channel}.${i.capability}`).join(', ') || 'none';
const native = Object.entries(report.channels).flatMap(([channel, caps]) =>
  Object.entries(caps ?? {}).filter(([, c]) => c?.support === 'native').map(([capability]) => ({ channel, capability })),
);
console.log(`handled ${handledOrder.length} orders (VIP marked *), in this order:`);
console.log(`  ${handledOrder.join(' ')}`);
console.log(`dead letters: ${deadLetters.join('; ') || 'none'}`);
console.log(`audit replay read ${audited.length} order-log entries of this run${history > 0 ? ` (and ${history} from earlier runs)` : ''}`);
console.log(`native:   ${list(native)}`);
console.log(`emulated: ${list(report.emulated)}`);
console.log(`degraded: ${list(report.degraded)}`);
for (const d of report.degraded) console.log(`  ${d.channel}.${d.capability}: ${d.detail}`);
console.log(`done in ${Date.now() - started} ms`);
await bus.close();

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('order-desk: timed out waiting for the workers');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

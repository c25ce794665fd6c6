import type { Bus, Message } from '@switchboard/core';
import { z } from 'zod';

export const OrderPlaced = z.object({ orderId: z.string(), amount: z.number().positive() });
export const InvoiceIssued = z.object({ orderId: z.string(), invoiceNo: z.string(), amount: z.number() });

/** The application's channel declaration, shared by production and tests. */
export const channels = {
  'order-placed': { requires: { fanout: true, deadLetter: true, orderedByKey: true }, schema: OrderPlaced, groups: ['invoicing'] },
  'invoice-issued': { requires: { fanout: true }, schema: InvoiceIssued },
} as const;

export type InvoicingBus = Bus<typeof channels>;

/** Business logic under test: issues an invoice per order, refuses amounts over the credit limit. */
export function startInvoicing(bus: InvoicingBus, creditLimit: number) {
  let next = 1;
  return bus.channel('order-placed').subscribe(
    'invoicing',
    async ({ payload }: Message<z.infer<typeof OrderPlaced>>) => {
      if (payload.amount > creditLimit) throw new Error(`amount ${payload.amount} exceeds credit limit ${creditLimit}`);
      const invoiceNo = `INV-${String(next++).padStart(4, '0')}`;
      await bus.channel('invoice-issued').publish({ orderId: payload.orderId, invoiceNo, amount: payload.amount }, { key: payload.orderId });
    },
    { concurrency: 4, retry: { maxAttempts: 2, initialDelayMs: 10 } },
  );
}

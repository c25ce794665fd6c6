import { z } from 'zod';

export const Order = z.object({
  id: z.string(),
  customer: z.string(),
  sku: z.string(),
  quantity: z.number().int().positive(),
  vip: z.boolean().default(false),
});
export type Order = z.infer<typeof Order>;

export const PriceQuery = z.object({ sku: z.string(), quantity: z.number().int().positive() });
export const PriceQuote = z.object({ sku: z.string(), total: z.number().nonnegative() });

export const OrderLogEntry = z.object({ run: z.string(), orderId: z.string(), total: z.number(), handledBy: z.string() });

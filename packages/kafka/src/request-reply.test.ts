import { describe, expect, it, vi } from 'vitest';
import { REPLY_HEADERS, replyFor, requestExpired, withoutReplyHeaders } from './request-reply.js';

describe('request/reply helpers', () => {
  const request = { [REPLY_HEADERS.replyTo]: 'prices.replies', [REPLY_HEADERS.correlationId]: 'c-1', [REPLY_HEADERS.deadline]: '2000', tenant: 'a' };

  it('replies to the channel reply topic with the correlation id', async () => {
    const send = vi.fn(async () => {});
    const reply = replyFor('prices', request, send);
    await reply?.({ body: Buffer.from('{}'), headers: { x: '1' }, id: 'r', timestamp: 1 });
    expect(send).toHaveBeenCalledWith('prices.replies', expect.objectContaining({ headers: { x: '1', [REPLY_HEADERS.correlationId]: 'c-1' } }));
  });

  it('never lets a request steer the reply to another topic', () => {
    expect(replyFor('prices', { ...request, [REPLY_HEADERS.replyTo]: 'payments' }, vi.fn())).toBeUndefined();
    expect(replyFor('prices', { tenant: 'a' }, vi.fn())).toBeUndefined();
  });

  it('knows expired requests and strips protocol headers', () => {
    expect(requestExpired(request, 2001)).toBe(true);
    expect(requestExpired(request, 1999)).toBe(false);
    expect(requestExpired({}, 5)).toBe(false);
    expect(withoutReplyHeaders(request)).toEqual({ tenant: 'a' });
  });
});

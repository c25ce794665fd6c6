import * as api from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('traceparent', () => {
  it('reads a W3C traceparent and tracestate into a remote span context, and writes it back', () => {
    const context = parseTraceparent(api, valid, 'vendor=a,other=b');
    expect(context).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    expect(context?.traceState?.get('vendor')).toBe('a');
    expect(formatTraceparent(context as api.SpanContext)).toBe(valid);
    expect(formatTraceparent({ ...(context as api.SpanContext), traceFlags: 0 })).toBe(valid.replace(/01$/, '00'));
  });

  it('ignores what another service may send broken: absent, malformed, all-zero ids, version ff', () => {
    for (const broken of [undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', `ff${valid.slice(2)}`, `${valid}-extra`]) {
      expect(parseTraceparent(api, broken, undefined)).toBeUndefined();
    }
    // A later version may append fields; upper case is tolerated.
    expect(parseTraceparent(api, `01${valid.slice(2)}-future`, undefined)?.spanId).toBe('b7ad6b7169203331');
    expect(parseTraceparent(api, valid.toUpperCase(), undefined)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});
